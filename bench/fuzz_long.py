"""Seed specs → N mutated inputs through parse + check; writes the tally to docs/fuzz-report.md.

Usage: python bench/fuzz_long.py [N]   (default 100000). Each input must give diagnostics or success, never an
uncaught exception, within 1 s. A failure is printed with the input that caused it.
"""

from __future__ import annotations

import random
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

import dagspec

ROOT = Path(__file__).resolve().parent.parent
JUNK = [
    "(",
    ")",
    "->",
    "~",
    ",",
    ";",
    "=",
    '"',
    "#",
    "\n",
    "\t",
    "[",
    "]",
    ":",
    ".",
    "**",
    "-",
    "by",
    "as",
    "node",
    "prior",
    "let",
    "observed",
    "from",
    "estimate",
    "adjust",
    "none",
    "Normal",
    "é",
    "\x00",
    "1e309",
    "0",
    "-1",
]


def mutate(text: str, rng: random.Random) -> str:
    tokens = text.replace("(", " ( ").replace(")", " ) ").replace(",", " , ").split(" ")
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(tokens))
        kind = rng.randrange(5)
        if kind == 0 and len(tokens) > 1:
            del tokens[i]
        elif kind == 1:
            tokens.insert(i, tokens[i])
        elif kind == 2:
            j = rng.randrange(len(tokens))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif kind == 3:
            tokens.insert(i, rng.choice(JUNK))
        else:
            tokens[i] = "".join(chr(rng.randrange(1, 0x3000)) for _ in range(rng.randint(1, 4)))
    return " ".join(tokens)


def main(count: int) -> int:
    seeds = [p.read_text() for p in sorted((ROOT / "specs").rglob("*.dag"))]
    seeds += [
        p.read_text()
        for p in sorted((ROOT / "tests" / "bad").glob("*.dag"))
        if p.stat().st_size < 10_000 and p.read_bytes().isascii()
    ]
    rng = random.Random(20251124)
    outcomes: Counter = Counter()
    slowest, crashes = 0.0, []
    started = time.perf_counter()
    for _ in range(count):
        text = mutate(rng.choice(seeds), rng)
        begin = time.perf_counter()
        try:
            dagspec.parse(text, "fuzz.dag")
            outcomes["accepted"] += 1
        except dagspec.DagspecError as exc:
            outcomes[exc.diagnostics[0].code] += 1
        except Exception:  # noqa: BLE001 - counting crashes is the point
            crashes.append((text, traceback.format_exc()))
        slowest = max(slowest, time.perf_counter() - begin)
    elapsed = time.perf_counter() - started
    lines = [
        "# Long fuzz run",
        "",
        f"`python bench/fuzz_long.py {count}`: {count:,} mutated specs (token deletions, duplications, swaps,",
        "inserted keywords and punctuation, random Unicode) made from the tutorial specs and the bad-spec corpus,",
        "each parsed and checked.",
        "",
        f"- uncaught exceptions: **{len(crashes)}**",
        f"- slowest input: {slowest * 1000:.1f} ms (limit 1,000 ms)",
        f"- total time: {elapsed:.0f} s",
        f"- accepted as valid specs: {outcomes['accepted']:,}",
        "",
        "| first diagnostic | inputs |",
        "|---|---|",
    ] + [f"| {code} | {n:,} |" for code, n in sorted(outcomes.items()) if code != "accepted"]
    (ROOT / "docs" / "fuzz-report.md").write_text("\n".join(lines) + "\n")
    for text, trace in crashes[:5]:
        print(repr(text), trace, sep="\n")
    print("\n".join(lines))
    return 1 if crashes or slowest > 1.0 else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
