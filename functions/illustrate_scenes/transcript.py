"""Amazon Transcribe batch output (transcripts/<job>.json) -> words, audio segments and language.

Both layouts (aws-facts.md 1.5): older files have `items` without `id` and no `audio_segments`; newer ones number the
items and add `audio_segments`. Times and confidences are strings, punctuation items have no times. Malformed input
raises `TranscriptError` naming the file and the field, so the manifest can say what is wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


class TranscriptError(ValueError):
    def __init__(self, source: str, field: str, problem: str) -> None:
        super().__init__(f"{source}: {field} {problem}")
        self.source = source
        self.field = field
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Word:
    text: str  # with the punctuation that follows it attached: "hour."
    start_ms: int
    end_ms: int
    speaker: str | None = None


@dataclass(frozen=True, slots=True)
class AudioSegment:
    text: str
    start_ms: int
    end_ms: int
    speaker: str | None = None


@dataclass(frozen=True)
class Transcript:
    job_name: str | None
    language_code: str | None
    text: str
    words: list[Word]
    segments: list[AudioSegment]  # empty in the older layout
    speaker_count: int | None

    @property
    def has_speech(self) -> bool:
        return bool(self.words)


class _Reader:
    """Typed access to the decoded JSON that reports the full field path on any mismatch."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, field: str, problem: str) -> TranscriptError:
        return TranscriptError(self.source, field, problem)

    def obj(self, value: Any, field: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(field, f"is {_kind(value)}, expected an object")
        return value

    def array(self, value: Any, field: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(field, f"is {_kind(value)}, expected a list")
        return value

    def millis(self, value: Any, field: str) -> int:
        if value is None:
            raise self.fail(field, "is missing")
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            raise self.fail(field, f"is {value!r}, expected seconds as a number") from None
        if not 0 <= seconds < 1e7:  # also rejects nan and inf
            raise self.fail(field, f"is {value!r}, expected a time in seconds")
        return round(seconds * 1000)

    def text(self, value: Any, field: str) -> str:
        if not isinstance(value, str):
            raise self.fail(field, f"is {_kind(value)}, expected a string")
        return value


def _kind(value: Any) -> str:
    return "missing" if value is None else f"a {type(value).__name__}"


def parse_transcript(data: bytes | str, source: str = "transcript") -> Transcript:
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TranscriptError(source, "(document)", f"is not valid JSON: {exc}") from None
    read = _Reader(source)
    root = read.obj(document, "(document)")
    results = read.obj(root.get("results"), "results")
    raw_items = read.array(results.get("items"), "results.items")
    speakers_by_start = _speakers_by_start_time(read, results.get("speaker_labels"))
    words = _words(read, raw_items, speakers_by_start)
    segments = _segments(read, results.get("audio_segments"))
    transcripts = results.get("transcripts")
    text = ""
    if isinstance(transcripts, list) and transcripts and isinstance(transcripts[0], dict):
        text = str(transcripts[0].get("transcript") or "")
    speaker_labels = results.get("speaker_labels")
    speaker_count = speaker_labels.get("speakers") if isinstance(speaker_labels, dict) else None
    job_name = root.get("jobName")
    return Transcript(
        job_name=job_name if isinstance(job_name, str) else None,
        language_code=language_code(results),
        text=text,
        words=words,
        segments=segments,
        speaker_count=speaker_count if isinstance(speaker_count, int) else None,
    )


def _words(read: _Reader, raw_items: list[Any], speakers_by_start: dict[str, str]) -> list[Word]:
    # Built as parallel lists first: punctuation extends the previous word, and a 4-hour file has ~40k items.
    texts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    speakers: list[str | None] = []
    for position, raw in enumerate(raw_items):
        field = f"results.items[{position}]"
        item = read.obj(raw, field)
        kind = item.get("type")
        if kind not in ("pronunciation", "punctuation"):
            continue  # a type this parser does not know carries no words it could use
        alternatives = read.array(item.get("alternatives"), f"{field}.alternatives")
        if not alternatives:
            raise read.fail(f"{field}.alternatives", "is empty")
        content = read.text(read.obj(alternatives[0], f"{field}.alternatives[0]").get("content"), f"{field}.content")
        if kind == "punctuation":
            if texts:
                texts[-1] += content
            continue
        start = read.millis(item.get("start_time"), f"{field}.start_time")
        end = read.millis(item.get("end_time"), f"{field}.end_time")
        if end < start:
            raise read.fail(f"{field}.end_time", f"({end / 1000}) is before start_time ({start / 1000})")
        speaker = item.get("speaker_label") or speakers_by_start.get(str(item.get("start_time")))
        texts.append(content)
        starts.append(start)
        ends.append(end)
        speakers.append(speaker if isinstance(speaker, str) else None)
    return [Word(t, s, e, spk) for t, s, e, spk in zip(texts, starts, ends, speakers, strict=True)]


def _speakers_by_start_time(read: _Reader, speaker_labels: Any) -> dict[str, str]:
    """Older diarized files may carry speakers only in speaker_labels.segments[].items[], keyed by start time."""
    if speaker_labels is None:
        return {}
    labels = read.obj(speaker_labels, "results.speaker_labels")
    mapping: dict[str, str] = {}
    for s, raw_segment in enumerate(read.array(labels.get("segments", []), "results.speaker_labels.segments")):
        segment = read.obj(raw_segment, f"results.speaker_labels.segments[{s}]")
        for raw_item in segment.get("items") or []:
            if isinstance(raw_item, dict) and isinstance(raw_item.get("speaker_label"), str):
                mapping[str(raw_item.get("start_time"))] = raw_item["speaker_label"]
    return mapping


def _segments(read: _Reader, raw_segments: Any) -> list[AudioSegment]:
    if raw_segments is None:
        return []
    segments = []
    for position, raw in enumerate(read.array(raw_segments, "results.audio_segments")):
        field = f"results.audio_segments[{position}]"
        segment = read.obj(raw, field)
        text = read.text(segment.get("transcript"), f"{field}.transcript").strip()
        start = read.millis(segment.get("start_time"), f"{field}.start_time")
        end = read.millis(segment.get("end_time"), f"{field}.end_time")
        if end < start:
            raise read.fail(f"{field}.end_time", f"({end / 1000}) is before start_time ({start / 1000})")
        speaker = segment.get("speaker_label")
        if text:
            segments.append(AudioSegment(text, start, end, speaker if isinstance(speaker, str) else None))
    return segments


def language_code(results: dict[str, Any]) -> str | None:
    """The transcript's language: the identified code, the best-scoring candidate, or the longest of several."""
    code = results.get("language_code")
    if isinstance(code, str) and code:
        return code
    candidates = results.get("language_identification")
    if isinstance(candidates, list):
        scored = [c for c in candidates if isinstance(c, dict) and isinstance(c.get("code"), str)]
        if scored:
            return max(scored, key=lambda c: _number(c.get("score")))["code"]
    spans = results.get("language_codes")
    if isinstance(spans, list):
        timed = [c for c in spans if isinstance(c, dict) and isinstance(c.get("language_code"), str)]
        if timed:
            return max(timed, key=lambda c: _number(c.get("duration_in_seconds")))["language_code"]
    return None


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0
