"""Transcript text -> scenes: consecutive time ranges with their text, one image each.

Scenes are built from units (subtitle cues, Transcribe audio segments or words) and only ever cut between two units,
so a cut never falls inside a word. The number of scenes is the speech duration divided by the target length,
rounded, and capped by the maximum number of images; at the cap the scenes grow longer, nothing is dropped. Each cut
goes to the unit boundary near its ideal time that ends a sentence, else a clause, pause or speaker change, else any.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from illustrate_scenes.subtitles import Cue
from illustrate_scenes.transcript import AudioSegment, Word
from subtitle_writer.writer import CLOSERS, SENTENCE_MARKS, is_clause_end, is_sentence_end

__all__ = ["CLOSERS", "SENTENCE_MARKS"]  # the punctuation tables live with the subtitle writer; prompts.py reads them

PAUSE_MS = 1500  # a silence this long between two units reads like a paragraph break

# How much worse than a sentence end a boundary is, in units of the scene length: a sentence end up to 0.2 (or 0.4)
# scene lengths further from the ideal time still wins over a clause boundary (or a plain one).
_PENALTY = {"sentence": 0.0, "clause": 0.2, "word": 0.4}
# Cuts are looked for within this fraction of a scene length around their ideal time, so no scene gets very short
# while a nearby boundary exists.
_WINDOW = 0.4


@dataclass(frozen=True, slots=True)
class Unit:
    start_ms: int
    end_ms: int
    text: str
    speaker: str | None = None


@dataclass(frozen=True)
class Scene:
    index: int  # 1-based, as in scene-001.png
    start_ms: int
    end_ms: int
    text: str
    speakers: tuple[str, ...] = ()


def units_from_cues(cues: Sequence[Cue]) -> list[Unit]:
    return [Unit(c.start_ms, c.end_ms, c.text) for c in cues]


def units_from_segments(segments: Sequence[AudioSegment]) -> list[Unit]:
    return [Unit(s.start_ms, s.end_ms, s.text, s.speaker) for s in segments]


def units_from_words(words: Sequence[Word]) -> list[Unit]:
    return [Unit(w.start_ms, w.end_ms, w.text, w.speaker) for w in words]


def boundary_kind(unit: Unit, following: Unit | None) -> str:
    """How good a place the end of `unit` is for a cut: 'sentence', 'clause' or 'word'."""
    text = unit.text.rstrip()
    if following is None or is_sentence_end(text):
        return "sentence"
    if (
        is_clause_end(text)
        or following.start_ms - unit.end_ms >= PAUSE_MS
        or (unit.speaker is not None and following.speaker is not None and unit.speaker != following.speaker)
    ):
        return "clause"
    return "word"


def scene_count(duration_ms: int, scene_seconds: float, max_scenes: int, unit_count: int) -> int:
    """round(duration / target), at least 1, at most the image cap and the number of units."""
    if unit_count <= 0:
        return 0
    target_ms = scene_seconds * 1000
    wanted = int((duration_ms + target_ms / 2) // target_ms)
    return max(1, min(wanted, max_scenes, unit_count))


@dataclass(frozen=True)
class SceneCap:
    """The image cap lengthened the scenes: how many the target length asked for, and how long they became."""

    wanted: int  # scenes at the target length (as many as the units allow)
    allowed: int  # the cap
    speech_seconds: float
    average_seconds: float  # speech duration / allowed


def _spoken(units: Sequence[Unit]) -> tuple[list[Unit], int]:
    """The units with text, and the duration they span (first start to last end) in milliseconds."""
    spoken = [u for u in units if u.text.strip()]
    if not spoken:
        return [], 0
    return spoken, max(max(u.end_ms for u in spoken) - spoken[0].start_ms, 0)


def image_cap(units: Sequence[Unit], scene_seconds: float, max_scenes: int) -> SceneCap | None:
    """How the cap changed the scenes split_scenes makes; None when the target length alone set their number."""
    spoken, duration = _spoken(units)
    wanted = scene_count(duration, scene_seconds, len(spoken), len(spoken))
    if wanted <= max_scenes:
        return None
    return SceneCap(wanted, max_scenes, round(duration / 1000, 3), round(duration / 1000 / max_scenes, 1))


def split_scenes(units: Sequence[Unit], scene_seconds: float, max_scenes: int) -> list[Scene]:
    """Consecutive scenes that together hold every unit exactly once, in order."""
    units, duration = _spoken(units)
    if not units:
        return []
    if scene_seconds <= 0 or max_scenes < 1:
        raise ValueError("scene_seconds must be positive and max_scenes at least 1")
    first_ms = units[0].start_ms
    count = scene_count(duration, scene_seconds, max_scenes, len(units))
    cuts = _cuts(units, first_ms, duration, count)
    scenes = []
    begin = 0
    for index, end in enumerate([*cuts, len(units) - 1], start=1):
        members = units[begin : end + 1]
        speakers = tuple(dict.fromkeys(u.speaker for u in members if u.speaker))
        scenes.append(
            Scene(
                index=index,
                start_ms=members[0].start_ms,
                end_ms=max(u.end_ms for u in members),
                text=" ".join(u.text.strip() for u in members),
                speakers=speakers,
            )
        )
        begin = end + 1
    return scenes


def _cuts(units: list[Unit], first_ms: int, duration: int, count: int) -> list[int]:
    """Indexes of the last unit of every scene but the final one (count - 1 strictly increasing indexes)."""
    n = len(units)
    # Cue times may overlap; the running maximum keeps the boundary times sorted for the binary search.
    ends = list(accumulate((u.end_ms for u in units), max))
    kinds = [boundary_kind(units[i], units[i + 1]) for i in range(n - 1)]
    length = duration / count if count else 0
    cuts: list[int] = []
    previous = -1
    for j in range(1, count):
        # Leave at least one unit for this scene and for each scene still to come.
        low, high = previous + 1, n - 1 - (count - j)
        ideal = first_ms + j * length
        window_low = bisect.bisect_left(ends, ideal - _WINDOW * length, low, high + 1)
        window_high = bisect.bisect_right(ends, ideal + _WINDOW * length, low, high + 1) - 1
        if window_low > window_high:
            # No boundary near the ideal time (a long silence or one very long cue): take the closest allowed one.
            candidates = [i for i in (window_low - 1, window_low, window_high, window_high + 1) if low <= i <= high]
        else:
            candidates = range(window_low, window_high + 1)
            # A scene never ends at a comma or mid-sentence while a sentence end is within reach.
            sentence_ends = [i for i in candidates if kinds[i] == "sentence"]
            candidates = sentence_ends or candidates
        best = min(
            candidates,
            key=lambda i: (abs(ends[i] - ideal) / length if length else 0) + _PENALTY[kinds[i]],
        )
        cuts.append(best)
        previous = best
    return cuts


def format_time(ms: int) -> str:
    """00:01:02.345, the WebVTT notation, for galleries and previews."""
    seconds, millis = divmod(max(ms, 0), 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"
