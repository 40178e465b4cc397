"""Every interface text is translated into German, Turkish and Arabic (the English one is the text
itself), with the same placeholders; the Turkish and Arabic catalogues say they await a native speaker."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def _catalog(locale: str):
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=locale)


def _read_pot():
    with open(ROOT / "translations" / "messages.pot", "rb") as f:
        return read_po(f)


def test_catalogue_is_up_to_date_with_the_code(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(out),
            "--no-location",
            "--ignore-dirs=.* node_modules __pycache__",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(out, "rb") as f:
        in_code = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    german = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog("de") if m.id}
    assert in_code <= german, f"texts missing from the catalogue (run `make extract-messages`): {in_code - german}"


# The catalogues translated from the English texts (English needs none: its msgids are the texts).
TRANSLATED = ("de", "tr", "ar")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_text_is_translated_into_each_language(locale):
    template = {m.id if isinstance(m.id, str) else m.id[0] for m in _read_pot() if m.id}
    catalogue = _catalog(locale)
    missing = [
        m.id
        for m in catalogue
        if m.id and (m.fuzzy or not all(m.string if isinstance(m.string, tuple) else (m.string,)))
    ]
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id}
    assert not missing, f"{locale}: {len(missing)} untranslated or fuzzy, e.g. {missing[:5]}"
    assert template <= ids, f"{locale}: run `make extract-messages`: {template - ids}"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_keep_the_placeholders(locale):
    """A translation that drops or renames %(name)s breaks the page that shows it (KeyError) or loses a figure."""
    wrong = []
    for message in _catalog(locale):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        expected = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            if text and not set(PLACEHOLDER.findall(text)) <= expected:
                wrong.append((message.id, text))
            # A singular-only text may drop the number ("one comment"); every other must keep all names.
            if text and not isinstance(message.id, tuple) and set(PLACEHOLDER.findall(text)) != expected:
                wrong.append((message.id, text))
    assert not wrong, f"{locale}: placeholders differ: {wrong[:5]}"


@pytest.mark.parametrize("locale", ["tr", "ar"])
def test_new_catalogues_say_they_await_a_native_speaker(locale):
    text = (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    assert "AWAITS REVIEW BY A NATIVE SPEAKER" in text.split("msgid", 1)[0]


def test_every_language_catalogue_has_the_same_texts():
    german = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog("de") if m.id}
    for locale in ("en", "tr", "ar"):
        assert {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(locale) if m.id} == german, locale
