"""Locating a quoted passage the way the page shows the paragraph."""

from __future__ import annotations

import pytest

from consult.comments.services import locate_quote
from consult.core.refusals import InvalidInput


def test_a_passage_across_list_items_is_found_with_the_page_offset():
    markdown = "- Sprachkurse für alle\n- Beratung in mehreren Sprachen\n- Beratung vor Ort"
    # The page reads "Sprachkurse für alle Beratung in mehreren Sprachen Beratung vor Ort";
    # the selection started at offset 52, the second "Beratung".
    assert locate_quote(markdown, "alle\nBeratung in") == (
        "alle Beratung in",
        "Sprachkurse für ",
        " mehreren Sprachen Beratung vor ",
    )
    exact, prefix, suffix = locate_quote(markdown, "Beratung", start=52)
    assert (prefix[-9:], suffix) == ("Sprachen ", " vor Ort")


def test_a_passage_not_in_the_paragraph_is_refused():
    with pytest.raises(InvalidInput):
        locate_quote("Ein Absatz.", "kein Wort davon")
