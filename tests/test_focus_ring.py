"""The focus ring has at least 3:1 against every background it appears on (WCAG 2.4.11 / 1.4.11).

The ring is two rings (static/css/consult.css `:focus-visible`): an outline in `--focus` around a 2 px
ring in `--focus-halo`. The outline meets the background around the control, the halo the control's own
fill; on the dark header and the projector the two colours swap. The colours are read from the style
sheets, so a change of a colour or of a background that breaks the rule fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[1] / "static" / "css"


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _rule(css: str, selector: str) -> str:
    """The declarations of every top-level rule for exactly `selector`, together."""
    found = re.findall(rf"(?m)^{re.escape(selector)}\s*\{{([^}}]*)\}}", css)
    assert found, f"no rule for {selector}"
    return ";".join(found)


def _value(block: str, name: str) -> str:
    found = re.search(rf"{re.escape(name)}:\s*(#[0-9a-fA-F]{{6}})", block)
    assert found, f"{name} not set"
    return found.group(1).lower()


def _colours(css: str, selector: str) -> tuple[str, str]:
    block = _rule(css, selector)
    return _value(block, "--focus"), _value(block, "--focus-halo")


SHEET = (CSS / "consult.css").read_text()
ROOT = _value(_rule(SHEET, ":root"), "--focus"), _value(_rule(SHEET, ":root"), "--focus-halo")
VARIABLES = {name: _value(_rule(SHEET, ":root"), name) for name in ("--paper", "--bg", "--accent", "--accent-dark")}


def _background(selector: str, sheet: str = SHEET) -> str:
    block = _rule(sheet, selector)
    found = re.search(r"background:\s*(#[0-9a-fA-F]{6}|var\((--[a-z-]+)\))", block)
    assert found, f"{selector} has no background colour"
    return (found.group(1) if found.group(1).startswith("#") else VARIABLES[found.group(2)]).lower()


# Where a focused control sits (the outline meets this colour), with the ring's colours there.
AROUND = [
    ("page", VARIABLES["--bg"], ROOT),
    ("card / paper", VARIABLES["--paper"], ROOT),
    ("open thread", _background(".thread--open"), ROOT),
    ("paragraph jumped to (:target)", _background(".paragraph:target"), ROOT),
    ("flash message", _background(".flash"), ROOT),
    ("decided queue item", _background(".queue-item--done"), ROOT),
    ("amendment summary", _background(".amendment-summary"), ROOT),
    ("header", _background(".site-header"), _colours(SHEET, ".site-header")),
    ("projector", "#000000", _colours((CSS / "live.css").read_text(), ".projector")),
]
# Controls with a fill of their own (the halo meets this colour).
FILLED = [
    ("primary button", VARIABLES["--accent"]),
    ("pressed vote button", VARIABLES["--accent"]),
    ("button", VARIABLES["--paper"]),
]


@pytest.mark.parametrize(("where", "background", "ring"), AROUND, ids=[a[0] for a in AROUND])
def test_the_outline_stands_out_from_the_background_around_the_control(where, background, ring):
    assert contrast(ring[0], background) >= 3, f"{where}: {ring[0]} on {background}"


@pytest.mark.parametrize(("control", "fill"), FILLED, ids=[f[0] for f in FILLED])
def test_the_ring_stands_out_from_a_filled_control(control, fill):
    outline, halo = ROOT
    # Next to the fill is the halo; where the halo does not stand out from the fill, the outline still
    # must, with the halo as the gap between them.
    assert contrast(halo, fill) >= 3 or contrast(outline, fill) >= 3, f"{control}: {halo}/{outline} on {fill}"


def test_the_old_yellow_ring_is_gone():
    assert contrast("#f0b400", "#ffffff") < 3  # why it went: 1.87:1 on white
    assert "#f0b400" not in SHEET
