"""Cues -> SubRip and WebVTT text: cue numbers from 1, UTF-8, WebVTT with its `WEBVTT` header."""

from __future__ import annotations

from collections.abc import Sequence

from subtitle_writer.writer import SubtitleCue


def timestamp(ms: int, separator: str) -> str:
    """HH:MM:SS,mmm (SubRip, separator ",") or HH:MM:SS.mmm (WebVTT, ".")."""
    seconds, millis = divmod(max(ms, 0), 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def to_srt(cues: Sequence[SubtitleCue]) -> str:
    blocks = [
        f"{number}\n{timestamp(c.start_ms, ',')} --> {timestamp(c.end_ms, ',')}\n{c.text}\n"
        for number, c in enumerate(cues, start=1)
    ]
    return "\n".join(blocks)


def to_vtt(cues: Sequence[SubtitleCue]) -> str:
    blocks = [
        f"{number}\n{timestamp(c.start_ms, '.')} --> {timestamp(c.end_ms, '.')}\n{c.text}\n"
        for number, c in enumerate(cues, start=1)
    ]
    return "\n".join(["WEBVTT\n", *blocks])


FORMATTERS = {"srt": to_srt, "vtt": to_vtt}
