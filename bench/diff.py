"""Diff and merge benchmark (issue 15, point 7): how long `diff()` and `merge()` of
consult/amendments/diff.py take on one paragraph of 100, 1,000 and 5,000 words.

    .venv/bin/python bench/diff.py [--sizes 100,1000,5000] [--repeat 3]

The paragraph is German-like prose of that many words (sentences of 12 words, a comma
now and then). For each size, the median of `--repeat` runs of:

- `diff`:  diff(base, ours), where ours changes one word in the middle;
- `merge`: merge(base, ours, theirs), where theirs changes another word, a quarter further
           on, so the two changes do not overlap and merge cleanly.

Goal: both under 0.2 s at 5,000 words.

Before (6d29f91: difflib's SequenceMatcher over the whole token lists, autojunk off, which
visits every place of every space token for each token), `--repeat 1`:

    words   diff s  merge s
      100   0.0015   0.0026
     1000   0.1424   0.2685
     5000   3.4771   6.3296

After (head and tail matched in one pass, the middle by cydifflib), `--repeat 3`:

    words   diff s  merge s
      100   0.0003   0.0004
     1000   0.0020   0.0035
     5000   0.0071   0.0108

See also bench/README.md.
"""

from __future__ import annotations

import argparse
import functools
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from consult.amendments.diff import diff, merge  # noqa: E402

WORDS = (
    "die der das und Teilhabe Bürgerinnen Länder Kommunen Förderung Bund muss soll "
    "nachhaltig vollständig nachprüfbar Verwaltung Beteiligung öffentlich Mittel für "
    "mit von zu bei Verfahren Jahr Gemeinden Anspruch gesichert werden"
).split()


def paragraph(n: int, seed: int = 15) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(WORDS) for _ in range(n)]


def text(words: list[str]) -> str:
    out = []
    for i, word in enumerate(words):
        if i % 12 == 11:
            word += "."
        elif i % 7 == 3:
            word += ","
        out.append(word)
    return " ".join(out)


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'words':>7}  {'diff s':>7}  {'merge s':>7}")
    for n in (int(size) for size in args.sizes.split(",")):
        words = paragraph(n)
        base = text(words)
        ours_words, theirs_words = list(words), list(words)
        ours_words[n // 2] = "Änderung"
        theirs_words[min(n - 1, n // 2 + n // 4)] = "Ergänzung"
        ours, theirs = text(ours_words), text(theirs_words)
        assert merge(base, ours, theirs).text is not None
        d = timed(functools.partial(diff, base, ours), args.repeat)
        m = timed(functools.partial(merge, base, ours, theirs), args.repeat)
        print(f"{n:>7}  {d:7.4f}  {m:7.4f}", flush=True)


if __name__ == "__main__":
    main()
