"""Deployment zips: size of each (goal <= 50 KB), time of scripts/package.py, and the handlers' import time (the part of
a Lambda cold start the code controls), measured from the extracted zips as Lambda loads them.

    .venv/bin/python bench/bench_package.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "package.py"
SIZE_GOAL = 50 * 1024

sys.path.insert(0, str(ROOT / "scripts"))
import package  # noqa: E402


def import_seconds(task_root: Path, module: str) -> float:
    """Seconds to import `module` in a fresh interpreter with only the extracted zip (and site-packages) on the path."""
    probe = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env = {**os.environ, "PYTHONPATH": str(task_root), "AWS_DEFAULT_REGION": "us-east-1"}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=task_root, env=env, capture_output=True, text=True, check=True
    )
    return float(result.stdout)


def median_ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:7.1f} ms   min {min(samples) * 1000:7.1f} ms"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args(argv).runs

    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "build"
        built = package.build(out)

        print("zip sizes (goal <= 50 KB each)")
        for function, details in built.items():
            size = int(details["size"])
            with zipfile.ZipFile(str(details["path"])) as archive:
                entries = len(archive.infolist())
                unpacked = sum(info.file_size for info in archive.infolist())
            verdict = "ok" if size <= SIZE_GOAL else "OVER GOAL"
            detail = f"({entries} files, {unpacked / 1024:.1f} KB unpacked)"
            print(f"  {function:<22} {size / 1024:6.1f} KB  {detail}  {verdict}")

        in_process = []
        for _ in range(runs):
            start = time.perf_counter()
            package.build(out)
            in_process.append(time.perf_counter() - start)
        command = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], capture_output=True, check=True)
            command.append(time.perf_counter() - start)
        print(f"package.py, {runs} runs")
        print(f"  build() in process         {median_ms(in_process)}")
        print(f"  python3 scripts/package.py {median_ms(command)}   (interpreter start included)")

        print(f"handler import time from the extracted zip, {runs} fresh interpreters each")
        for function, details in built.items():
            task_root = Path(scratch) / "task" / function
            with zipfile.ZipFile(str(details["path"])) as archive:
                archive.extractall(task_root)
            handler = [import_seconds(task_root, f"{function}.handler") for _ in range(runs)]
            print(f"  {function + '.handler':<30} {median_ms(handler)}")
        boto3 = [import_seconds(Path(scratch), "boto3") for _ in range(runs)]
        print(f"  {'boto3 alone (for reference)':<30} {median_ms(boto3)}")


if __name__ == "__main__":
    main()
