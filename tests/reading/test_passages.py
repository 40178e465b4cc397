"""Where a quoted passage stands in its paragraph's text, found as the browser found it before (the words with
their context, else the words alone), so the draft page sends places instead of words."""

from __future__ import annotations

from consult.reading.passages import place

TEXT = "Die Mitgliedsorganisationen beraten über Teilhabe und Vielfalt. Teilhabe und Schutz."


def test_the_words_with_their_context_choose_among_equal_words():
    second = TEXT.rindex("Teilhabe und")
    assert place(TEXT, {"exact": "Teilhabe und", "prefix": "Vielfalt. ", "suffix": " Schutz."}) == (
        second,
        second + len("Teilhabe und"),
    )
    assert place(TEXT, {"exact": "Teilhabe und", "prefix": "beraten über ", "suffix": " Vielfalt"}) == (41, 53)


def test_changed_context_falls_back_to_the_first_place_of_the_words():
    assert place(TEXT, {"exact": "Teilhabe und", "prefix": "gestrichen ", "suffix": ""}) == (41, 53)


def test_white_space_counts_as_one_space_and_missing_words_have_no_place():
    assert place(TEXT, {"exact": " Teilhabe\n  und ", "prefix": "über\n", "suffix": ""}) == (41, 53)
    assert place(TEXT, {"exact": "Gleichstellung", "prefix": "", "suffix": ""}) is None
    assert place(TEXT, {"exact": "   ", "prefix": "", "suffix": ""}) is None
