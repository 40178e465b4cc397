"""Diffs and merges of long paragraphs (issue 15, point 7): the fast matcher gives what difflib gave.

consult.amendments.diff matches the shared head and tail of two texts in one pass and leaves only the
changed middle (and a margin around it) to cydifflib. These tests compare its results with those of
the old matcher, difflib's SequenceMatcher with autojunk off over the whole texts, on paragraphs long
enough for the head and tail to be cut. Timings are in bench/diff.py, not here.
"""

from __future__ import annotations

import random
from difflib import SequenceMatcher

import pytest

import consult.amendments.diff as diff_module
from consult.amendments.diff import diff, merge, merge_all, tokens

WORDS = (
    "die der das und Teilhabe Bürgerinnen Länder Kommunen Förderung Bund muss soll nachhaltig "
    "vollständig nachprüfbar Verwaltung Beteiligung öffentlich Mittel für mit von zu bei Verfahren "
    "Jahr Gemeinden Anspruch gesichert werden *Teilhabe* **Bund-Länder** geht's"
).split()


class _Difflib(SequenceMatcher):
    """The matcher diff.py used before: difflib over the whole texts, autojunk off."""

    def __init__(self, isjunk=None, a=(), b=(), autojunk=False):
        super().__init__(isjunk, a, b, False)


def _text(words):
    return " ".join(word + ("." if i % 12 == 11 else "," if i % 7 == 3 else "") for i, word in enumerate(words))


def _edit(rng, words, start, width):
    words = list(words)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(start, start + width)
        roll = rng.random()
        if roll < 0.4:
            words[i] = rng.choice(WORDS)
        elif roll < 0.7:
            words.insert(i, rng.choice(WORDS))
        else:
            del words[i]
    return words


def _cases(count, length=600):
    """Paragraphs of `length` words, each with two amendments: near one another, apart, or at the edges."""
    for seed in range(count):
        rng = random.Random(seed)
        words = [rng.choice(WORDS) for _ in range(length)]
        starts = [rng.randrange(length - 40), rng.choice([0, length - 40, rng.randrange(length - 40)])]
        yield _text(words), _text(_edit(rng, words, starts[0], 30)), _text(_edit(rng, words, starts[1], 30))


def _old(monkeypatch, fn, *args):
    with monkeypatch.context() as patch:
        patch.setattr(diff_module, "WordMatcher", _Difflib)
        return fn(*args)


@pytest.mark.parametrize("case", list(_cases(8)), ids=lambda case: str(len(case[0])))
def test_long_paragraphs_diff_and_merge_as_difflib_did(monkeypatch, case):
    base, ours, theirs = case
    assert diff(base, ours) == _old(monkeypatch, diff, base, ours)
    assert diff(ours, theirs) == _old(monkeypatch, diff, ours, theirs)
    assert merge(base, ours, theirs) == _old(monkeypatch, merge, base, ours, theirs)
    assert merge_all(base, [ours, theirs, base]) == _old(monkeypatch, merge_all, base, [ours, theirs, base])


@pytest.mark.parametrize("case", list(_cases(8)), ids=lambda case: str(len(case[0])))
def test_the_matcher_finds_difflibs_matching_blocks(case):
    base, ours, _ = case
    a, b = tokens(base), tokens(ours)
    assert len(a) > 2 * diff_module._MARGIN  # long enough for the head and tail to be cut
    assert diff_module.WordMatcher(None, a, b).get_matching_blocks() == _Difflib(None, a, b).get_matching_blocks()
    assert diff_module.WordMatcher(None, a, b).get_opcodes() == _Difflib(None, a, b).get_opcodes()


def test_texts_that_share_everything_or_nothing():
    for a, b in [
        ("", ""),
        ("Die Teilhabe", "Die Teilhabe"),
        ("", "neu"),
        ("alt", ""),
        ("a b", "c d"),
        ("Die Teilhabe", "Die Teilhabe wird"),
        ("wird gesichert", "Sie wird gesichert"),
    ]:
        ta, tb = tokens(a), tokens(b)
        assert diff_module.WordMatcher(None, ta, tb).get_opcodes() == _Difflib(None, ta, tb).get_opcodes()
