"""One style for sizes and durations: the formatter, and no other unit style in the repository's own text."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from pipeline_core.units import GB, KB, MB, format_duration, format_size

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 bytes"),
        (1023, "1023 bytes"),
        (124 * KB + 300, "124 KB"),
        (10 * MB, "10 MB"),
        (10 * MB + 1, "10 MB"),
        (57.6 * MB, "57.6 MB"),
        (2 * GB, "2 GB"),
        (int(1.5 * GB), "1.5 GB"),
    ],
)
def test_sizes_use_the_units_aws_documents_its_limits_in(size: float, text: str) -> None:
    assert format_size(size) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.5, "0.5 s"), (31.6, "31.6 s"), (90, "90 s"), (900, "15 min"), (7200, "2 h"), (9000, "2.5 h"), (14400, "4 h")],
)
def test_durations(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def _tracked_text_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    suffixes = {".py", ".md", ".tf", ".json", ".hcl", ".html", ".txt"}
    return [REPO / name for name in listed if Path(name).suffix in suffixes and (REPO / name).is_file()]


def test_no_text_in_the_repository_writes_sizes_as_kib_mib_or_gib() -> None:
    """The README said "10 MB" while the client said "10 MiB": one style now, AWS's (see pipeline_core/units.py)."""
    binary = re.compile(r"\b(KiB|MiB|GiB)\b")
    offenders = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in _tracked_text_files()
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if binary.search(line) and path.name != "test_units.py"
    ]
    assert not offenders, "write sizes as KB/MB/GB (pipeline_core.units):\n" + "\n".join(offenders)
