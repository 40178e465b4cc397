"""The change document aligns a long paragraph's versions with the diff's own matcher (issue 15, point 7):
the same tokens are paired as difflib paired them, and a 5,000-word paragraph with one changed word is
aligned as fast as it is diffed, not in the seconds difflib's matcher takes over the whole texts."""

from __future__ import annotations

import time

from consult.amendments.diff import tokens
from consult.exports import changes
from tests.amendments.test_diff_long import WORDS, _cases, _Difflib, _text


def _difflib_aligned(a, b):
    pairs = {}
    for block in _Difflib(None, a, b).get_matching_blocks():
        pairs.update({block.a + k: block.b + k for k in range(block.size)})
    return pairs


def test_long_paragraphs_are_aligned_as_difflib_aligned_them():
    for base, ours, theirs in _cases(4):
        for a, b in ((base, ours), (ours, theirs)):
            ta, tb = tokens(a), tokens(b)
            assert changes._aligned(ta, tb) == _difflib_aligned(ta, tb)


def test_a_five_thousand_word_paragraph_is_aligned_in_well_under_a_second():
    words = [WORDS[(i * 7) % len(WORDS)] for i in range(5000)]
    changed = list(words)
    changed[2500] = "verbindlich"
    a, b = tokens(_text(words)), tokens(_text(changed))
    started = time.perf_counter()
    pairs = changes._aligned(a, b)
    took = time.perf_counter() - started
    assert len(pairs) == len(a) - 1  # every token but the changed word is kept
    assert took < 0.5, f"aligning 5,000 words took {took:.2f} s"
