"""SubRip (.srt) and WebVTT (.vtt) files as Transcribe writes them -> cues. Standard library only.

Transcribe's subtitles (aws-facts.md 1.2, 1.5): cue numbers start at 0 (the default) or 1 (OutputStartIndex), times
are to the millisecond (`HH:MM:SS,mmm` in SRT, `HH:MM:SS.mmm` in WebVTT), cues may span several lines, and when
several speakers share a cue each turn starts with `-- `. The parser is lenient where players are (either decimal
separator, hours optional, cue settings, tags, CRLF, a byte-order mark) and strict about what it cannot interpret.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_TIMESTAMP = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})[,.](\d{1,3})$")
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")  # <i>, <v Speaker>, <00:00:01.000>, and SRT's {\an8}
_TURN = re.compile(r"^--\s*")
_SPACE = re.compile(r"\s+")


class SubtitleError(ValueError):
    def __init__(self, source: str, line: int, problem: str) -> None:
        super().__init__(f"{source}, line {line}: {problem}")
        self.source = source
        self.line = line


@dataclass(frozen=True, slots=True)
class Cue:
    number: str | None  # the cue's identifier line as written ("0", "1", ...), None when absent
    start_ms: int
    end_ms: int
    text: str  # lines of one speaker joined by spaces; each speaker turn ("-- ") on its own line


def parse_srt(text: str, source: str = "subtitles.srt") -> list[Cue]:
    return _parse(text, source, webvtt=False)


def parse_vtt(text: str, source: str = "subtitles.vtt") -> list[Cue]:
    return _parse(text, source, webvtt=True)


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Groups of non-blank lines with the 1-based number of their first line."""
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    first = 0
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not current:
                first = number
            current.append(line.rstrip())
        elif current:
            blocks.append((first, current))
            current = []
    if current:
        blocks.append((first, current))
    return blocks


def _parse(text: str, source: str, *, webvtt: bool) -> list[Cue]:
    blocks = _blocks(text)
    if webvtt:
        if not blocks or not re.match(r"^WEBVTT(?:[ \t].*)?$", blocks[0][1][0].strip()):
            raise SubtitleError(source, blocks[0][0] if blocks else 1, "a WebVTT file must start with 'WEBVTT'")
        blocks = blocks[1:]  # the header block may carry metadata lines; none of it is a cue
    cues: list[Cue] = []
    for first_line, lines in blocks:
        head = lines[0].strip()
        if webvtt and (head.startswith(("NOTE", "STYLE", "REGION")) and "-->" not in head):
            continue
        timing_at = next((i for i, line in enumerate(lines[:2]) if "-->" in line), None)
        if timing_at is None:
            raise SubtitleError(source, first_line, f"expected a cue timing line 'start --> end', got {head!r}")
        number = lines[0].strip() if timing_at == 1 else None
        line_no = first_line + timing_at
        start_ms, end_ms = _timing(lines[timing_at], source, line_no)
        cue_text = _cue_text(lines[timing_at + 1 :])
        if cue_text:  # a cue whose text is empty (e.g. a filtered word shown as blank) adds nothing to a scene
            cues.append(Cue(number, start_ms, end_ms, cue_text))
    return cues


def _timing(line: str, source: str, line_no: int) -> tuple[int, int]:
    start_text, _, rest = line.partition("-->")
    end_text = rest.split()[0] if rest.split() else ""  # WebVTT cue settings may follow the end time
    start_ms = _millis(start_text.strip(), source, line_no)
    end_ms = _millis(end_text, source, line_no)
    if end_ms < start_ms:
        raise SubtitleError(source, line_no, f"the cue ends ({end_text}) before it starts ({start_text.strip()})")
    return start_ms, end_ms


def _millis(stamp: str, source: str, line_no: int) -> int:
    match = _TIMESTAMP.match(stamp)
    if not match:
        raise SubtitleError(source, line_no, f"{stamp!r} is not a time like 00:01:02,345 or 00:01:02.345")
    hours, minutes, seconds, fraction = match.groups()
    if int(minutes) > 59 or int(seconds) > 59:
        raise SubtitleError(source, line_no, f"{stamp!r} has minutes or seconds above 59")
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(fraction.ljust(3, "0"))


def _cue_text(lines: list[str]) -> str:
    turns: list[str] = []
    for raw in lines:
        line = _SPACE.sub(" ", html.unescape(_TAG.sub("", raw))).strip()
        if not line:
            continue
        if _TURN.match(line):
            line = _TURN.sub("", line)
            if line:
                turns.append(line)
        elif turns:
            turns[-1] = f"{turns[-1]} {line}"
        else:
            turns.append(line)
    return "\n".join(turns)
