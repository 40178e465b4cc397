"""Word-level diffs and three-way merges of Markdown paragraph texts, with the exact output expected."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest
from markupsafe import Markup

from consult.amendments.diff import Conflict, Merge, Segment, diff, diff_html, merge, merge_all, tokens


def equal(text):
    return Segment("equal", text)


def insert(text):
    return Segment("insert", text)


def delete(text):
    return Segment("delete", text)


# tokens


def test_tokens_keep_words_whole_in_any_script():
    assert tokens("Die Bund-Länder-Kommission prüft's, Müşteri İlkay ılık, المهاجرون 2024.") == [
        "Die",
        " ",
        "Bund-Länder-Kommission",
        " ",
        "prüft's",
        ",",
        " ",
        "Müşteri",
        " ",
        "İlkay",
        " ",
        "ılık",
        ",",
        " ",
        "المهاجرون",
        " ",
        "2024",
        ".",
    ]


def test_tokens_split_off_markdown_markers_and_punctuation():
    assert tokens("**Teilhabe** und _Recht_ für Bürger*innen: „ja“ – (§ 4)!") == [
        "**",
        "Teilhabe",
        "**",
        " ",
        "und",
        " ",
        "_",
        "Recht",
        "_",
        " ",
        "für",
        " ",
        "Bürger",
        "*",
        "innen",
        ":",
        " ",
        "„",
        "ja",
        "“",
        " ",
        "–",
        " ",
        "(",
        "§",
        " ",
        "4",
        ")",
        "!",
    ]


def test_tokens_keep_combining_marks_and_line_breaks():
    decomposed = "Bu\u0308rger"  # ü as u plus combining diaeresis
    assert tokens(f"{decomposed} مُهاجر\n\n- Punkt") == [decomposed, " ", "مُهاجر", "\n\n", "-", " ", "Punkt"]


def test_tokens_of_nothing():
    assert tokens("") == []


# diff


def test_inserted_word_carries_the_space_after_it():
    assert diff("Die Teilhabe", "Die politische Teilhabe") == [
        equal("Die "),
        insert("politische "),
        equal("Teilhabe"),
    ]


def test_replaced_word_is_one_deletion_and_one_insertion():
    assert diff("Die Kommune entscheidet.", "Die Kommune berät.") == [
        equal("Die Kommune "),
        delete("entscheidet"),
        insert("berät"),
        equal("."),
    ]


def test_changed_phrase_reads_as_one_deletion_and_one_insertion():
    assert diff("die Kommune soll", "das Land muss") == [delete("die Kommune soll"), insert("das Land muss")]


def test_short_word_between_changes_is_folded_into_them():
    assert diff("Die Stadt und das Land zahlen.", "Der Bund und die Länder zahlen.") == [
        delete("Die Stadt und das Land"),
        insert("Der Bund und die Länder"),
        equal(" zahlen."),
    ]


def test_longer_word_between_changes_stays_equal():
    assert diff("Wir fordern gleiche Rechte.", "Sie fordern gleiche Pflichten.") == [
        delete("Wir"),
        insert("Sie"),
        equal(" fordern gleiche "),
        delete("Rechte"),
        insert("Pflichten"),
        equal("."),
    ]


def test_umlauts():
    assert diff_html(
        "Die Bürger:innen prüfen die Vorschläge.", "Die Bürger:innen prüfen alle Vorschläge gründlich."
    ) == ("Die Bürger:innen prüfen <del>die</del><ins>alle</ins> Vorschläge<ins> gründlich</ins>.")


def test_changed_comma_and_full_stop():
    assert diff_html("Wir fordern das, und zwar sofort.", "Wir fordern das und zwar sofort!") == (
        "Wir fordern das<del>,</del> und zwar sofort<del>.</del><ins>!</ins>"
    )


def test_german_quotes():
    assert diff_html('Sie nennen das "Integration".', "Sie nennen das „Integration“.") == (
        "Sie nennen das <del>&#34;</del><ins>„</ins>Integration<del>&#34;</del><ins>“</ins>."
    )


def test_en_dash():
    assert diff_html("Förderung 2024 - 2026", "Förderung 2024–2026") == "Förderung 2024<del> - </del><ins>–</ins>2026"


def test_markdown_emphasis_marks_the_marker_not_the_word():
    assert diff("Wir fordern *gleiche* Rechte.", "Wir fordern **gleiche** Rechte.") == [
        equal("Wir fordern "),
        delete("*"),
        insert("**"),
        equal("gleiche"),
        delete("*"),
        insert("**"),
        equal(" Rechte."),
    ]
    assert diff_html("Wir fordern *gleiche* Rechte.", "Wir fordern **gleiche** Rechte.") == (
        "Wir fordern <del>*</del><ins>**</ins>gleiche<del>*</del><ins>**</ins> Rechte."
    )


def test_deleted_sentence_takes_the_space_after_it():
    assert diff(
        "Wir fordern Teilhabe. Die Kommune soll zahlen. Alle profitieren.", "Wir fordern Teilhabe. Alle profitieren."
    ) == [
        equal("Wir fordern Teilhabe. "),
        delete("Die Kommune soll zahlen. "),
        equal("Alle profitieren."),
    ]


def test_deleted_last_sentence_takes_the_space_before_it():
    assert diff("Wir fordern Teilhabe. Alle profitieren.", "Wir fordern Teilhabe.") == [
        equal("Wir fordern Teilhabe."),
        delete(" Alle profitieren."),
    ]


def test_insertion_at_the_start():
    assert diff("Teilhabe ist ein Recht.", "Politische Teilhabe ist ein Recht.") == [
        insert("Politische "),
        equal("Teilhabe ist ein Recht."),
    ]


def test_insertion_at_the_end():
    assert diff("Wir fordern Teilhabe.", "Wir fordern Teilhabe. Jetzt.") == [
        equal("Wir fordern Teilhabe."),
        insert(" Jetzt."),
    ]


def test_identical_texts_are_one_equal_segment():
    assert diff("Wir fordern Teilhabe.", "Wir fordern Teilhabe.") == [equal("Wir fordern Teilhabe.")]


def test_empty_old_text_is_one_insertion():
    assert diff("", "Wir fordern Teilhabe.") == [insert("Wir fordern Teilhabe.")]
    assert diff("Wir fordern Teilhabe.", "") == [delete("Wir fordern Teilhabe.")]
    assert diff("", "") == []


def test_html_in_the_texts_is_escaped():
    html = diff_html('<script>alert("x")</script> & mehr', '<script>alert("y")</script> & mehr')
    assert isinstance(html, Markup)
    assert html == "&lt;script&gt;alert(&#34;<del>x</del><ins>y</ins>&#34;)&lt;/script&gt; &amp; mehr"


def test_html_in_changed_text_is_escaped():
    assert diff_html("Kosten", 'Kosten <b class="x">& Nutzen</b>') == (
        "Kosten<ins> &lt;b class=&#34;x&#34;&gt;&amp; Nutzen&lt;/b&gt;</ins>"
    )


# merge

BASE = "Wir fordern das Wahlrecht für alle. Die Kommune soll Beratung finanzieren."


def test_changes_to_different_sentences_merge():
    ours = "Wir fordern das kommunale Wahlrecht für alle. Die Kommune soll Beratung finanzieren."
    theirs = "Wir fordern das Wahlrecht für alle. Die Kommune soll unabhängige Beratung dauerhaft finanzieren."
    expected = (
        "Wir fordern das kommunale Wahlrecht für alle. Die Kommune soll unabhängige Beratung dauerhaft finanzieren."
    )
    assert merge(BASE, ours, theirs) == Merge(expected, [], [expected])


def test_changes_to_the_same_words_conflict():
    result = merge("Die Stadt soll zahlen.", "Das Land soll zahlen.", "Der Bund soll zahlen.")
    conflict = Conflict(base="Die Stadt", ours="Das Land", theirs="Der Bund")
    assert result == Merge(None, [conflict], [conflict, " soll zahlen."])


def test_conflict_takes_in_a_one_sided_change_beside_it():
    result = merge("die Stadt und das Land zahlen", "die Gemeinde und das Land zahlen", "der Bund und das Land zahlen")
    conflict = Conflict(base="die Stadt", ours="die Gemeinde", theirs="der Bund")
    assert result == Merge(None, [conflict], [conflict, " und das Land zahlen"])


def test_conflict_is_widened_to_whole_words():
    result = merge("Alle Bürger:innen wählen.", "Alle Bürger*innen wählen.", "Alle Bürger_innen wählen.")
    conflict = Conflict(base="Bürger:innen", ours="Bürger*innen", theirs="Bürger_innen")
    assert result == Merge(None, [conflict], ["Alle ", conflict, " wählen."])


def test_conflict_in_context_of_merged_changes():
    ours = "Wir fordern das kommunale Wahlrecht für alle. Die Kommune muss Beratung finanzieren."
    theirs = "Wir fordern das Wahlrecht für alle Menschen. Die Kommune darf Beratung finanzieren."
    conflict = Conflict(base="soll", ours="muss", theirs="darf")
    assert merge(BASE, ours, theirs) == Merge(
        None,
        [conflict],
        [
            "Wir fordern das kommunale Wahlrecht für alle Menschen. Die Kommune ",
            conflict,
            " Beratung finanzieren.",
        ],
    )


def test_same_change_on_both_sides_is_no_conflict():
    same = "Wir fordern das Wahlrecht für alle. Die Kommune muss Beratung finanzieren."
    assert merge(BASE, same, same) == Merge(same, [], [same])


def test_deletion_on_one_side_merges_with_a_change_on_the_other():
    ours = "Die Kommune soll Beratung finanzieren."
    theirs = "Wir fordern das Wahlrecht für alle. Die Kommune soll Beratung und Dolmetschen finanzieren."
    expected = "Die Kommune soll Beratung und Dolmetschen finanzieren."
    assert merge(BASE, ours, theirs) == Merge(expected, [], [expected])


def test_merge_all_folds_over_the_versions():
    base = "Erstens. Zweitens. Drittens."
    texts = [
        "Erstens ganz. Zweitens. Drittens.",
        "Erstens. Zweitens auch. Drittens.",
        "Erstens. Zweitens. Drittens zuletzt.",
    ]
    expected = "Erstens ganz. Zweitens auch. Drittens zuletzt."
    assert merge_all(base, texts) == Merge(expected, [], [expected])


def test_merge_all_stops_at_the_first_conflict():
    base = "Erstens. Zweitens."
    texts = ["Erstens ganz. Zweitens.", "Erstens halb. Zweitens.", "Erstens. Zweitens neu."]
    conflict = Conflict(base="Erstens.", ours="Erstens ganz.", theirs="Erstens halb.")
    assert merge_all(base, texts) == Merge(None, [conflict], [conflict, " Zweitens."])


def test_merge_all_of_no_versions_is_the_base():
    assert merge_all("Erstens.", []) == Merge("Erstens.", [], ["Erstens."])
    assert merge_all("", []) == Merge("", [], [])


# properties on random texts (fixed seeds, so every run checks the same cases)

WORDS = [
    "Die",
    "die",
    "der",
    "das",
    "und",
    "oder",
    "Kommune",
    "Land",
    "Bund-Länder",
    "Teilhabe",
    "Bürger:innen",
    "Vorschläge",
    "prüfen",
    "muss",
    "soll",
    "für",
    "alle",
    "Müşteri",
    "ılık",
    "İstanbul",
    "مهاجر",
    "geht's",
    "*gleiche*",
    "**Rechte**",
    "_neu_",
    "„Integration“",
    "(§ 4)",
    "–",
    "2024",
    "ß",
    "Ä",
]
SEPARATORS = [" ", " ", " ", ", ", ". ", "\n", "\n\n", "; ", ""]


def random_text(rng: random.Random) -> str:
    return "".join(rng.choice(WORDS) + rng.choice(SEPARATORS) for _ in range(rng.randint(0, 25)))


def changed(rng: random.Random, text: str) -> str:
    """The text with a few words and separators dropped, replaced or added."""
    parts = tokens(text)
    for _ in range(rng.randint(0, 5)):
        at = rng.randint(0, len(parts))
        action = rng.choice(["insert", "delete", "replace"])
        new = [rng.choice(WORDS), rng.choice(SEPARATORS)]
        if action == "insert" or not parts[at:]:
            parts[at:at] = new
        elif action == "delete":
            del parts[at : at + rng.randint(1, 4)]
        else:
            parts[at : at + 1] = new
    return "".join(parts)


def assert_sound(segments: list[Segment], old: str, new: str):
    assert "".join(s.text for s in segments if s.kind != "insert") == old
    assert "".join(s.text for s in segments if s.kind != "delete") == new
    assert all(s.text for s in segments)
    for first, second in pairwise(segments):
        assert first.kind != second.kind
        assert (first.kind, second.kind) != ("insert", "delete")


@pytest.mark.parametrize("seed", range(20))
def test_random_texts_round_trip(seed):
    rng = random.Random(seed)
    for _ in range(25):
        old = random_text(rng)
        new = changed(rng, old) if rng.random() < 0.8 else random_text(rng)
        assert "".join(tokens(old)) == old
        assert_sound(diff(old, new), old, new)


@pytest.mark.parametrize("seed", range(10))
def test_random_merges(seed):
    rng = random.Random(seed)
    for _ in range(20):
        base = random_text(rng)
        ours, theirs = changed(rng, base), changed(rng, base)
        assert merge(base, base, theirs).text == theirs
        assert merge(base, ours, base).text == ours
        assert merge(base, ours, ours).text == ours
        result = merge(base, ours, theirs)
        assert (result.text is None) == bool(result.conflicts)
        assert result.conflicts == [c for c in result.chunks if isinstance(c, Conflict)]
        if result.text is not None:
            assert result.chunks == ([result.text] if result.text else [])


@pytest.mark.parametrize("seed", range(10))
def test_random_changes_to_different_sentences_merge(seed):
    rng = random.Random(seed)
    sentences = [random_text(rng).replace(".", "").strip() + "." for _ in range(5)]
    i, j = rng.sample(range(5), 2)
    ours, theirs, both = list(sentences), list(sentences), list(sentences)
    ours[i] = both[i] = "Die Kommune muss zahlen."
    theirs[j] = both[j] = "Das Land hilft."
    assert merge(" ".join(sentences), " ".join(ours), " ".join(theirs)).text == " ".join(both)
