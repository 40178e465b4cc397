"""The German catalogue covers every interface text; the English one sits beside it."""
from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def _catalog(locale: str):
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=locale)


def test_every_text_has_a_german_translation():
    template = {m.id if isinstance(m.id, str) else m.id[0] for m in _read_pot() if m.id}
    german = _catalog("de")
    missing = []
    for message in german:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            missing.append(message.id)
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in german if m.id}
    assert not missing, f"untranslated or fuzzy: {missing}"
    assert template <= ids, f"run `make extract-messages`: {template - ids}"


def test_english_catalogue_exists_with_the_same_texts():
    english = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog("en") if m.id}
    german = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog("de") if m.id}
    assert english == german


def _read_pot():
    with open(ROOT / "translations" / "messages.pot", "rb") as f:
        return read_po(f)


def test_catalogue_is_up_to_date_with_the_code(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-o", str(out), "--no-location",
                    "--ignore-dirs=.* node_modules __pycache__", "."],
                   cwd=ROOT, check=True, capture_output=True)
    with open(out, "rb") as f:
        in_code = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    german = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog("de") if m.id}
    assert in_code <= german, f"texts missing from the catalogue (run `make extract-messages`): {in_code - german}"
