"""Cues -> SubRip and WebVTT text: cue numbers from 1, UTF-8, WebVTT with its `WEBVTT` header."""

from __future__ import annotations

from collections.abc import Sequence

from subtitle_writer.writer import SubtitleCue


def _stamp(ms: int, separator: str) -> str:
    seconds, millis = divmod(max(ms, 0), 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def to_srt(cues: Sequence[SubtitleCue]) -> str:
    blocks = [
        f"{number}\n{_stamp(c.start_ms, ',')} --> {_stamp(c.end_ms, ',')}\n{c.text}\n"
        for number, c in enumerate(cues, start=1)
    ]
    return "\n".join(blocks)


def to_vtt(cues: Sequence[SubtitleCue]) -> str:
    blocks = [
        f"{number}\n{_stamp(c.start_ms, '.')} --> {_stamp(c.end_ms, '.')}\n{c.text}\n"
        for number, c in enumerate(cues, start=1)
    ]
    return "\n".join(["WEBVTT\n", *blocks])


FORMATTERS = {"srt": to_srt, "vtt": to_vtt}
