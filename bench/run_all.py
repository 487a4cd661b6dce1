"""Run every benchmark in turn and print its numbers (`make bench`). Benchmarks report; they never fail a build.

.venv/bin/python bench/run_all.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
BENCHMARKS = (
    "bench_package.py",
    "bench_scenes.py",
    "bench_subtitles.py",
    "bench_prompt_director.py",
    "bench_concurrency.py",
    "bench_recognizer.py",
    "bench_results_api.py",
)


def main() -> int:
    status = 0
    for script in BENCHMARKS:
        print(f"\n=== {script}", flush=True)
        status |= subprocess.call([sys.executable, str(BENCH_DIR / script)])
    return status


if __name__ == "__main__":
    sys.exit(main())
