"""One way to write sizes and durations in every message, page and log line.

Sizes follow AWS's documentation of the limits this pipeline meets: API Gateway's payload limit is "10 MB" and Amazon
Transcribe's file limit "2 GB" (aws-facts.md 1.4, 5.1), and both are enforced as binary multiples (10,485,760 and
2,147,483,648 bytes). So KB, MB and GB here are 1024, 1024² and 1024³ bytes, written with a space ("10 MB"), never
with the IEC names. Durations: "s" under two minutes, "min" under two hours, "h" above ("90 s", "15 min", "2 h").
"""

from __future__ import annotations

KB = 1024
MB = 1024 * KB
GB = 1024 * MB

_SIZE_UNITS = ((GB, "GB"), (MB, "MB"), (KB, "KB"))


def _number(value: float) -> str:
    """At most one decimal, none when it is a whole number: 10, 2.5, 0.3."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def format_size(size: float) -> str:
    """`size` bytes in the largest unit it reaches: 512 bytes, 124 KB, 10 MB, 2 GB, 1.5 GB."""
    if size < KB:
        return f"{size:.0f} bytes"
    factor, unit = next((f, u) for f, u in _SIZE_UNITS if size >= f)
    if factor == KB:
        return f"{size / factor:.0f} {unit}"
    return f"{_number(size / factor)} {unit}"


def format_duration(seconds: float) -> str:
    """`seconds` in s, min or h: 0.5 s, 90 s, 15 min, 2 h, 2.5 h."""
    if seconds < 120:
        return f"{_number(seconds)} s"
    if seconds < 2 * 3600:
        return f"{_number(seconds / 60)} min"
    return f"{_number(seconds / 3600)} h"
