"""WebVTT cues as plain data, for inlining into the player (a `<track>` would need a URL, and with it CORS).

Both kinds of subtitle file the pipeline writes are WebVTT: Amazon Transcribe's own (`transcripts/<job>.vtt`) and the
subtitle tracks of the image bucket (`<job>/subtitles.<lang>.vtt`). Only what the player shows is kept: start, end and
text, with voice and styling tags (`<v Speaker>`, `<i>`) removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TIME = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{3})$")
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def _seconds(stamp: str) -> float | None:
    match = _TIME.match(stamp.strip())
    if match is None:
        return None
    hours, minutes, seconds, millis = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def parse_vtt(text: str) -> list[Cue]:
    """The cues of a WebVTT file (or SRT, whose blocks look alike); a block without a valid timing line is skipped."""
    cues: list[Cue] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")):
        lines = block.strip("\n").split("\n")
        timing = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if timing is None:
            continue
        start_text, _, rest = lines[timing].partition("-->")
        start, end = _seconds(start_text), _seconds(rest.strip().split(" ")[0] if rest.strip() else "")
        body = "\n".join(_TAG.sub("", line).strip() for line in lines[timing + 1 :]).strip()
        if start is None or end is None or end <= start or not body:
            continue
        cues.append(Cue(round(start, 3), round(end, 3), body))
    return cues
