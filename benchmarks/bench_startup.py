"""Start-up time: ``import mssc`` and ``mssc ins`` beside a bare ``python -c pass``, same run.

    python benchmarks/bench_startup.py [RUNS]

Each command is run RUNS times (default 10) as a new process, the three interleaved so that a
busy machine slows them alike; the wall time of each run is measured from this process and the
median is printed, with the difference to bare Python (what mssc adds). ``mssc ins`` is the
installed console script beside this Python (``python -m mssc`` when there is none).

mssc's bytecode is compiled first, as ``pip install`` does: with ``PYTHONDONTWRITEBYTECODE`` set
and an editable install, every run would otherwise compile the sources again, and the figures
would measure the compiler, not the import.

Targets (issue 10): ``import mssc`` at most 120 ms and ``mssc ins 279035121518989`` at most
150 ms, as medians of 10 runs.
"""

from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import mssc

TARGETS_MS = {"import mssc": 120.0, "mssc ins": 150.0}


def commands() -> dict[str, list[str]]:
    """The three measured command lines, by label."""
    script = Path(sys.executable).parent / "mssc"
    cli = [str(script)] if script.exists() else [sys.executable, "-m", "mssc"]
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "import mssc": [sys.executable, "-c", "import mssc"],
        "mssc ins": [*cli, "ins", "279035121518989"],
    }


def wall_ms(argv: list[str]) -> float:
    """The wall time of one run of ``argv``, in milliseconds; the run must succeed."""
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=os.environ.copy())
    return (time.perf_counter() - start) * 1000


def main(argv: list[str]) -> int:
    runs = int(argv[1]) if len(argv) > 1 else 10
    compileall.compile_dir(Path(mssc.__file__).parent, quiet=1)
    lines = commands()
    for command in lines.values():  # warm the file cache and the .pyc files, not timed
        wall_ms(command)
    times: dict[str, list[float]] = {label: [] for label in lines}
    for _ in range(runs):
        for label, command in lines.items():
            times[label].append(wall_ms(command))
    medians = {label: statistics.median(values) for label, values in times.items()}
    bare = medians["python -c pass"]
    print(f"start-up, median of {runs} runs (wall, new process each)")
    print(f"  {'python -c pass':<16} {bare:7.1f} ms")
    for label, target in TARGETS_MS.items():
        median = medians[label]
        verdict = "ok" if median <= target else "MISSED"
        print(
            f"  {label:<16} {median:7.1f} ms  (+{median - bare:6.1f} ms over bare Python, "
            f"{median / bare:4.1f}x; target <= {target:.0f} ms: {verdict})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
