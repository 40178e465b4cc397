"""The merge rules of issue 15, point 7: which changes of two amendments collide, which merge."""

from __future__ import annotations

from consult.amendments.diff import Conflict, Merge, merge

# two changes with no unchanged word between them collide


def test_a_change_and_an_insertion_right_after_it_collide():
    result = merge("Die Kommune zahlt.", "Die Gemeinde zahlt.", "Die Kommune allein zahlt.")
    conflict = Conflict(base="Kommune", ours="Gemeinde", theirs="Kommune allein")
    assert result == Merge(None, [conflict], ["Die ", conflict, " zahlt."])


def test_two_insertions_parted_only_by_a_space_collide():
    result = merge(
        "Die Daten sind vollständig nachprüfbar.",
        "Die Daten sind vollständig und nachprüfbar.",
        "Die Daten sind vollständig, nachweislich nachprüfbar.",
    )
    conflict = Conflict(base="vollständig", ours="vollständig und", theirs="vollständig, nachweislich")
    assert result == Merge(None, [conflict], ["Die Daten sind ", conflict, " nachprüfbar."])


def test_changes_parted_by_an_unchanged_word_merge():
    assert (
        merge("Die Kommune zahlt.", "Die Gemeinde zahlt.", "Die Kommune zahlt jetzt.").text
        == "Die Gemeinde zahlt jetzt."
    )
    assert merge("Die Stadt zahlt.", "Die Stadt allein zahlt.", "Die kleine Stadt zahlt.").text == (
        "Die kleine Stadt allein zahlt."
    )


def test_changes_in_neighbouring_sentences_merge():
    assert merge("Eins. Zwei.", "Eins ganz. Zwei.", "Eins. Auch zwei.").text == "Eins ganz. Auch zwei."


# two insertions at the same spot always collide, whatever the surrounding text


def test_insertions_at_the_same_spot_collide_when_one_repeats_the_word_beside_it():
    # "zahlt zahlt" inserts " zahlt" after "zahlt", or "zahlt " before it: the spot where "Sie " goes
    result = merge("zahlt", "Sie zahlt", "zahlt zahlt")
    conflict = Conflict(base="zahlt", ours="Sie zahlt", theirs="zahlt zahlt")
    assert result == Merge(None, [conflict], [conflict])


def test_insertions_that_can_meet_collide():
    result = merge("Die Kommune zahlt.", "Die Kommune zahlt zahlt.", "Die Kommune Kommune zahlt.")
    assert result.text is None
    assert result.conflicts == [
        Conflict(base="Kommune zahlt.", ours="Kommune zahlt zahlt.", theirs="Kommune Kommune zahlt.")
    ]


# each list line is its own unit


LIST = "Wir fordern:\n\n- Beratung für alle\n- Dolmetschen in der Kommune\n- Sprachkurse"


def test_an_edit_of_one_item_and_an_insertion_of_another_after_it_merge():
    ours = LIST.replace("Beratung für alle", "Beratung für alle Menschen")
    theirs = LIST.replace("- Dolmetschen", "- Kinderbetreuung\n- Dolmetschen")
    assert merge(LIST, ours, theirs).text == (
        "Wir fordern:\n\n- Beratung für alle Menschen\n- Kinderbetreuung\n- Dolmetschen in der Kommune\n- Sprachkurse"
    )


def test_an_edit_of_the_last_item_and_an_item_added_after_it_merge():
    ours = LIST.replace("Sprachkurse", "Sprachkurse und Prüfungen")
    expected = (
        "Wir fordern:\n\n- Beratung für alle\n- Dolmetschen in der Kommune\n- Sprachkurse und Prüfungen\n- Wohnraum"
    )
    assert merge(LIST, ours, LIST + "\n- Wohnraum") == Merge(expected, [], [expected])
    assert merge(LIST, LIST + "\n- Wohnraum", ours).text == expected


def test_an_item_reworded_and_an_item_added_after_it_merge():
    ours = LIST.replace("Sprachkurse", "Kurse")
    assert merge(LIST, ours, LIST + "\n- Wohnraum").text == (
        "Wir fordern:\n\n- Beratung für alle\n- Dolmetschen in der Kommune\n- Kurse\n- Wohnraum"
    )


def test_an_item_added_and_the_same_line_edited_differently_still_collide():
    ours = LIST.replace("- Sprachkurse", "- Sprachkurse\n- Wohnraum")
    theirs = LIST.replace("- Sprachkurse", "- Kurse\n- Wohnungen")
    assert merge(LIST, ours, theirs).text is None
