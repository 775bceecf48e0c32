"""Validate 1,000,000 matricules INS with mssc and with python-stdnum, in the same run.

    python benchmarks/bench_ins.py [COUNT]

The inputs are generated once, before timing, and the same list is given to both: a realistic
mix of compact matricules, matricules typed with spaces, and Corsica (2A/2B) matricules, some
in lower case. Target: mssc (``parse_ins``, which also builds the ``Ins`` value) at least 2x
faster than ``stdnum.fr.nir.validate``.
"""

from __future__ import annotations

import gc
import random
import sys
import time
from collections.abc import Callable

import stdnum.fr.nir

from mssc.ins import parse_ins


def _key(first13: str) -> str:
    department = {"2A": "19", "2B": "18"}.get(first13[5:7], first13[5:7])
    return f"{97 - int(first13[:5] + department + first13[7:13]) % 97:02d}"


def make_inputs(count: int, seed: int = 2026) -> list[str]:
    """Valid matricules: 60 % compact, 25 % with spaces, 15 % Corsica (half of them typed)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        sex = rng.choice("12")
        first13 = f"{sex}{rng.randrange(100):02d}{rng.randrange(1, 13):02d}"
        roll = rng.random()
        if roll < 0.15:
            first13 += rng.choice(("2A", "2B"))
        else:
            first13 += f"{rng.randrange(1, 96):02d}"
        first13 += f"{rng.randrange(10**6):06d}"
        m = first13 + _key(first13)
        if roll < 0.075:
            m = f"{m[0]} {m[1:3]} {m[3:5]} {m[5:7]} {m[7:10]} {m[10:13]} {m[13:]}".lower()
        elif 0.15 <= roll < 0.40:
            m = f"{m[0]} {m[1:3]} {m[3:5]} {m[5:7]} {m[7:10]} {m[10:13]} {m[13:]}"
        out.append(m)
    return out


def measure(function: Callable[[str], object], inputs: list[str]) -> float:
    """Seconds to call ``function`` on every input (best of three runs, GC off)."""
    best = float("inf")
    for _ in range(3):
        gc.disable()
        try:
            start = time.perf_counter()
            for text in inputs:
                function(text)
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best


def main(argv: list[str]) -> int:
    count = int(argv[1]) if len(argv) > 1 else 1_000_000
    inputs = make_inputs(count)
    # Both must accept every input, and agree on the compact form.
    assert all(parse_ins(t).matricule == stdnum.fr.nir.validate(t) for t in inputs[:10_000])
    ours = measure(parse_ins, inputs)
    theirs = measure(stdnum.fr.nir.validate, inputs)
    print(f"{count:,} matricules (compact 60 %, spaced 25 %, Corsica 15 %), best of 3")
    print(f"  mssc   parse_ins               {ours / count * 1e9:8.0f} ns/call  {ours:6.2f} s")
    print(f"  stdnum stdnum.fr.nir.validate  {theirs / count * 1e9:8.0f} ns/call  {theirs:6.2f} s")
    ratio = theirs / ours
    print(
        f"  ratio  mssc is {ratio:.2f}x faster (target >= 2x): {'ok' if ratio >= 2 else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
