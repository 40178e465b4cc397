"""Word-level diffs and three-way merges of paragraph texts written in Markdown.

Texts are compared as tokens: words (letters of any script and digits, with inner
hyphens and apostrophes: "Bund-Länder", "geht's"), runs of whitespace, the Markdown
emphasis markers `**` `__` `*` `_`, and every other character on its own. So a
change reads as whole words, and the source shows as it was typed: `*Teilhabe*`
keeps its asterisks.

Two touches make the result read well rather than merely be short:

- An insertion or deletion that could sit in several equivalent places is put where
  it begins and ends best: at the start of a sentence, then of a word, carrying the
  space after it ("Die <ins>politische </ins>Teilhabe").
- Whitespace or one short word ("und", ", ") between two changes is folded into
  them, so a changed phrase reads as one deletion and one insertion. A merge folds
  only around a conflict, and widens a conflict to whole words as written (up to
  the next whitespace), so that its base, ours and theirs wordings are phrases.

A merge takes both sides' changes only where an unchanged word, a sentence end or a line
break parts them: a change of ours and one of theirs with nothing but spaces or commas
between them collide, and so do two insertions that could sit at the same spot. Changes
that add or remove lines (list items) are units of their own and merge with changes in
other lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from difflib import Match, SequenceMatcher
from itertools import chain
from typing import Literal

import cydifflib
from markupsafe import Markup
from merge3 import Merge3

# Letters and digits, but not the underscore (a Markdown marker); the combining marks
# of decomposed umlauts and of Arabic vowel signs; zero-width joiners; the soft hyphen.
_LETTER = r"(?:[^\W_]|[\u0300-\u036f\u064b-\u065f\u0670\u00ad\u200c\u200d])"
_TOKEN = re.compile(
    rf"{_LETTER}+(?:[-'’]{_LETTER}+)*"  # a word, with inner hyphens and apostrophes
    r"|\s+"
    r"|\*\*|__"  # a double emphasis marker; any other character stands alone
    r"|.",
    re.DOTALL,
)
_SENTENCE_END = frozenset(".!?:;")
_MARGIN = 400  # tokens of the shared head and tail still left to the matcher, see WordMatcher
_SHORT_WORD = 3  # the longest word that still counts as filler between two changes

_Hunk = tuple[list[str], ...]  # one stretch of text in each of two or three versions


def tokens(text: str) -> list[str]:
    """Cut Markdown text into words, whitespace runs, emphasis markers and single other characters.

    Joining the tokens gives back the text unchanged.
    """
    return _TOKEN.findall(text)


@dataclass(frozen=True)
class Segment:
    """A stretch of a diff: text both versions share, or text only the old or only the new one has."""

    kind: Literal["equal", "insert", "delete"]
    text: str


@dataclass(frozen=True)
class Conflict:
    """One stretch that both sides of a merge changed differently, in all three wordings."""

    base: str
    ours: str
    theirs: str


@dataclass(frozen=True)
class Merge:
    """The outcome of a merge: the merged text, or None with the conflicts that prevent it.

    `chunks` is the merged text in order, with a Conflict where the sides collide.
    """

    text: str | None
    conflicts: list[Conflict]
    chunks: list[str | Conflict]


def diff(old: str, new: str) -> list[Segment]:
    """The word-level changes from `old` to `new`.

    Equal and deleted segments join up to `old`, equal and inserted ones to `new`.
    Neighbouring segments never share a kind, and a deletion comes before the
    insertion that replaces it.
    """
    a, b = tokens(old), tokens(new)
    opcodes = WordMatcher(None, a, b).get_opcodes()
    hunks = _fold_fillers(_slide_edits([(a[i1:i2], b[j1:j2]) for _, i1, i2, j1, j2 in opcodes]))
    segments = []
    for deleted, inserted in hunks:
        if deleted == inserted:
            segments.append(Segment("equal", "".join(deleted)))
            continue
        if deleted:
            segments.append(Segment("delete", "".join(deleted)))
        if inserted:
            segments.append(Segment("insert", "".join(inserted)))
    return segments


_HTML = {"equal": Markup("{}"), "delete": Markup("<del>{}</del>"), "insert": Markup("<ins>{}</ins>")}


def diff_html(old: str, new: str) -> Markup:
    """The diff as HTML: shared text as it is, deletions in <del>, insertions in <ins>.

    The texts show as Markdown source, not rendered, and every character of them is escaped.
    """
    return Markup("").join(_HTML[segment.kind].format(segment.text) for segment in diff(old, new))


def merge(base: str, ours: str, theirs: str) -> Merge:
    """Combine the changes `ours` and `theirs` each make to `base`, word by word.

    Changes to different words are both taken, the same change on both sides once.
    Where the sides changed the same words differently there is a Conflict, and no text.
    """
    parts = _widen_conflicts(_join_touching(_sync_parts(tokens(base), tokens(ours), tokens(theirs))))
    chunks: list[str | Conflict] = []
    for part in parts:
        wording = _resolve(*part)
        if wording is None:
            base_text, ours_text, theirs_text = ("".join(side) for side in part)
            chunks.append(Conflict(base_text, ours_text, theirs_text))
        elif wording:
            text = "".join(wording)
            previous = chunks[-1] if chunks else None
            if isinstance(previous, str):
                chunks[-1] = previous + text
            else:
                chunks.append(text)
    conflicts = [chunk for chunk in chunks if isinstance(chunk, Conflict)]
    merged = None if conflicts else "".join(chunk for chunk in chunks if isinstance(chunk, str))
    return Merge(merged, conflicts, chunks)


def merge_all(base: str, texts: list[str]) -> Merge:
    """Merge several changed versions of `base`: the first two, then that with the next, and so on.

    Stops at the first conflict; its `ours` wording is what the versions before made of the stretch.
    """
    result = merge(base, base, base)  # nothing changed yet
    for text in texts:
        if result.text is None:
            break
        result = merge(base, result.text, text)
    return result


class WordMatcher(SequenceMatcher):
    """difflib's matcher without the "popular token" heuristic, which would take the space for junk.

    Without that heuristic difflib's longest-match search visits every place of every
    space token for each token: it grows with the square of the paragraph. So the
    words both texts begin and end with are matched first, in one pass each, and only
    the changed middle goes to cydifflib, difflib's own algorithm in C. `get_opcodes`
    and the rest are difflib's, worked out from these matching blocks. Also the change
    document's (consult/exports/changes.py), so that it is as fast as the diff.
    """

    def __init__(self, isjunk=None, a=(), b=(), autojunk=False):  # noqa: ARG002 -- difflib's signature
        self.isjunk, self.a, self.b = None, a, b
        self.matching_blocks = self.opcodes = None

    def get_matching_blocks(self) -> list[Match]:
        if self.matching_blocks is not None:
            return self.matching_blocks
        a, b = self.a, self.b
        la, lb = len(a), len(b)
        shortest = min(la, lb)
        head = 0
        while head < shortest and a[head] == b[head]:
            head += 1
        tail = 0
        while tail < shortest - head and a[la - 1 - tail] == b[lb - 1 - tail]:
            tail += 1
        head, tail = max(0, head - _MARGIN), max(0, tail - _MARGIN)
        middle = cydifflib.SequenceMatcher(None, a[head : la - tail], b[head : lb - tail], autojunk=False)
        blocks = [(0, 0, head)]
        blocks += [(i + head, j + head, k) for i, j, k in middle.get_matching_blocks()]
        blocks.append((la - tail, lb - tail, tail))
        joined: list[Match] = []
        for i, j, k in blocks:
            if not k:
                continue
            if joined and joined[-1].a + joined[-1].size == i and joined[-1].b + joined[-1].size == j:
                joined[-1] = Match(joined[-1].a, joined[-1].b, joined[-1].size + k)
            else:
                joined.append(Match(i, j, k))
        joined.append(Match(la, lb, 0))
        self.matching_blocks = joined
        return joined


def _same(hunk: _Hunk) -> bool:
    return all(side == hunk[0] for side in hunk)


def _join(*hunks: _Hunk) -> _Hunk:
    return tuple(list(chain.from_iterable(sides)) for sides in zip(*hunks, strict=True))


def _tidy(hunks: list[_Hunk]) -> list[_Hunk]:
    """Drop empty stretches and join neighbours that are both unchanged or both changed."""
    tidy: list[_Hunk] = []
    for hunk in hunks:
        if not any(hunk):
            continue
        if tidy and _same(tidy[-1]) == _same(hunk):
            tidy[-1] = _join(tidy[-1], hunk)
        else:
            tidy.append(hunk)
    return tidy


def _slide_edits(hunks: list[_Hunk]) -> list[_Hunk]:
    """Move each pure insertion or deletion to the best of the equivalent places around it.

    "Die Teilhabe" -> "Die politische Teilhabe" may insert "politische " or " politische";
    the first begins and ends at the start of a word, so it wins.
    """
    empty: _Hunk = ([], [])
    hunks = [empty, *hunks, empty]  # opcodes alternate, so every edit now has an unchanged stretch each side
    for k, (deleted, inserted) in enumerate(hunks):
        if deleted == inserted or (deleted and inserted):
            continue
        edit = deleted or inserted
        seq = hunks[k - 1][0] + edit + hunks[k + 1][0]
        start, n = len(hunks[k - 1][0]), len(edit)
        while start > 0 and seq[start - 1] == seq[start + n - 1]:
            start -= 1
        best = start
        while start + n < len(seq) and seq[start] == seq[start + n]:
            start += 1
            if _place_score(seq, start, n) > _place_score(seq, best, n):
                best = start
        before, edit, after = seq[:best], seq[best : best + n], seq[best + n :]
        hunks[k - 1], hunks[k + 1] = (before, before), (after, after)
        hunks[k] = (edit, []) if deleted else ([], edit)
    return _tidy(hunks)


def _place_score(seq: list[str], start: int, n: int) -> int:
    return _boundary_score(seq, start) + _boundary_score(seq, start + n)


def _boundary_score(seq: list[str], i: int) -> int:
    """How good a place to begin or end a change the gap before seq[i] is.

    Best at the edge, then at the start of a line, a sentence, a word; then at the end
    of a word; least beside punctuation.
    """
    if i == 0 or i == len(seq):
        return 6
    before, after = seq[i - 1], seq[i]
    if before.isspace():
        if "\n" in before:
            return 5
        return 4 if i >= 2 and seq[i - 2] in _SENTENCE_END else 3
    return 2 if after.isspace() else 1


def _is_filler(words: list[str]) -> bool:
    """Whitespace only, or one short word or sign between whitespace ("und", ", ")."""
    solid = [word for word in words if not word.isspace()]
    return not solid or (len(solid) == 1 and len(solid[0]) <= _SHORT_WORD)


def _fold_fillers(hunks: list[_Hunk], around: Callable[[_Hunk], bool] = lambda hunk: True) -> list[_Hunk]:
    """Fold each filler between two changes into them, when `around` holds for either change.

    Expects alternating stretches, as `_tidy` leaves them.
    """
    folded: list[_Hunk] = []
    for hunk in hunks:
        if (
            len(folded) >= 2
            and not _same(hunk)
            and _same(folded[-1])
            and not _same(folded[-2])
            and _is_filler(folded[-1][0])
            and (around(folded[-2]) or around(hunk))
        ):
            filler = folded.pop()
            folded[-1] = _join(folded[-1], filler, hunk)
        else:
            folded.append(hunk)
    return _tidy(folded)


def _sync_parts(base: list[str], ours: list[str], theirs: list[str]) -> list[_Hunk]:
    """The three token lists cut into stretches that none of the sides changed, and the rest."""
    parts: list[_Hunk] = []
    iz = ia = ib = 0
    # merge3's protocol wants get_matching_blocks() -> list[tuple[int, int, int]]; difflib's matchers (ours
    # too) return list[Match], a NamedTuple of those, and lists are invariant: merge3 ignores this for difflib's.
    merge = Merge3(base, ours, theirs, sequence_matcher=WordMatcher)  # type: ignore[arg-type]
    for z1, z2, a1, a2, b1, b2 in merge.find_sync_regions():
        parts += [(base[iz:z1], ours[ia:a1], theirs[ib:b1]), (base[z1:z2],) * 3]
        iz, ia, ib = z2, a2, b2
    return _tidy(parts)


def _one_sided(part: _Hunk) -> int:
    """1 when only ours changed the stretch, 2 when only theirs did, 0 otherwise."""
    base, ours, theirs = part
    if ours != base and theirs == base:
        return 1
    if theirs != base and ours == base:
        return 2
    return 0


_WORD = re.compile(_LETTER)


def _join_touching(parts: list[_Hunk]) -> list[_Hunk]:
    """Join a change of ours and one of theirs that collide, so that they make one conflict.

    They collide when no unchanged word parts them: between "vollständig" changed by one
    side and "nachprüfbar" changed by the other, nothing but a space; each side's wording was
    written around the other's base, and taking both would say neither. A line break or the
    end of a sentence parts them as a word does: each sentence and each list line is its own
    unit, and so is a change that adds or removes lines. Two insertions collide too when either could as well sit where
    the other does
    ("der" inserted before or after "der"): they are at the same spot.
    """
    joined: list[_Hunk] = []
    for part in parts:
        if (
            len(joined) >= 2
            and _same(joined[-1])
            and {_one_sided(joined[-2]), _one_sided(part)} == {1, 2}
            and not _breaks_line(joined[-2])
            and not _breaks_line(part)
            and (_touch(joined[-1][0]) or _same_spot(joined[-2], joined[-1][0], part))
        ):
            filler = joined.pop()
            joined[-1:] = _peel_spaces(_join(joined[-1], filler, part))
            continue
        joined.append(part)
    return _tidy(joined)


def _peel_spaces(part: _Hunk) -> list[_Hunk]:
    """The part, with the whitespace all its wordings begin or end with as unchanged stretches of their own."""
    head = tail = 0
    while all(len(side) > head + tail and side[head].isspace() and side[head] == part[0][head] for side in part):
        head += 1
    while all(
        len(side) > head + tail and side[-1 - tail].isspace() and side[-1 - tail] == part[0][-1 - tail] for side in part
    ):
        tail += 1
    middle = tuple(side[head : len(side) - tail] for side in part)
    return [(part[0][:head],) * 3, middle, (part[0][len(part[0]) - tail :],) * 3]


def _breaks_line(part: _Hunk) -> bool:
    """A change that adds or removes a line break: it changes lines, and other lines are other units."""
    return any("\n" in token for side in part for token in side)


def _touch(between: list[str]) -> bool:
    """No word, line break or sentence end in the unchanged tokens between two changes."""
    return not any(_WORD.match(token) or "\n" in token or token in _SENTENCE_END for token in between)


def _same_spot(before: _Hunk, between: list[str], after: _Hunk) -> bool:
    """Both stretches are insertions that could move, over `between`, to one and the same place."""
    if before[0] or after[0]:
        return False
    first, second = max(before[1:], key=len), max(after[1:], key=len)
    right = 0  # how far the first can move right: "der " before "der" is "der" and then " der"
    seq = first + between
    while right < len(between) and seq[right] == seq[right + len(first)]:
        right += 1
    left = 0
    seq = between + second
    while left < len(between) and seq[len(between) - 1 - left] == seq[len(seq) - 1 - left]:
        left += 1
    return right + left >= len(between)


def _resolve(base: list[str], ours: list[str], theirs: list[str]) -> list[str] | None:
    """The merged wording of one stretch, or None when the sides changed it differently."""
    if ours == theirs or theirs == base:
        return ours
    if ours == base:
        return theirs
    return _with_lines(base, ours, theirs) or _with_lines(base, theirs, ours)


def _with_lines(base: list[str], edited: list[str], lined: list[str]) -> list[str] | None:
    """`edited`'s change within a line, and the lines `lined` adds right after or before it: both.

    "- Sprachkurse" made "- Sprachkurse und Prüfungen" by one side and followed by a new line
    "- Wohnraum" by the other: each list line is its own unit, so both are taken.
    """
    if any("\n" in token for token in edited):
        return None
    n = len(base)
    after, before = lined[n:], lined[: len(lined) - n]
    if lined[:n] == base and after and after[0].startswith("\n"):
        return edited + after
    if lined[len(lined) - n :] == base and before and before[-1].endswith("\n"):
        return before + edited
    return None


def _is_conflict(part: _Hunk) -> bool:
    return _resolve(*part) is None


def _widen_conflicts(parts: list[_Hunk]) -> list[_Hunk]:
    """Grow each conflict until its three wordings read as phrases.

    A conflict takes in the rest of any word it begins or ends inside of, and, across
    a filler, a change of either side next to it. So base "die Stadt" against "die
    Gemeinde" and "der Bund" is one conflict, rather than "der" taken from one side
    next to a conflict over "Stadt".
    """
    while True:
        widened = _fold_fillers(_whole_words(parts), around=_is_conflict)
        if widened == parts:
            return parts
        parts = widened


def _whole_words(parts: list[_Hunk]) -> list[_Hunk]:
    """Take into each conflict the rest of a word it begins or ends inside of ("Bürger:innen")."""
    parts = list(parts)
    for k, part in enumerate(parts):
        if not _is_conflict(part):
            continue
        if k > 0 and any(side and not side[0].isspace() for side in part):
            before = parts[k - 1][0]
            cut = len(before)
            while cut > 0 and not before[cut - 1].isspace():
                cut -= 1
            parts[k - 1] = (before[:cut],) * 3
            part = _join((before[cut:],) * 3, part)
        if k + 1 < len(parts) and any(side and not side[-1].isspace() for side in part):
            after = parts[k + 1][0]
            cut = 0
            while cut < len(after) and not after[cut].isspace():
                cut += 1
            parts[k + 1] = (after[cut:],) * 3
            part = _join(part, (after[:cut],) * 3)
        parts[k] = part
    return parts
