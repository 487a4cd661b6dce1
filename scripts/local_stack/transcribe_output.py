"""Recognized words in the shape Amazon Transcribe writes them, so the functions downstream cannot tell the difference.

Input: segments of timed words as a recognizer gives them (Whisper's words carry their leading space and their
punctuation: " harbor,"). Output: the transcript JSON in the newer layout (aws-facts.md 1.5: `jobName`, `accountId`,
`status` before `results`; items with integer `id`, times and confidences as strings, punctuation items without times
and with confidence "0.0"; `audio_segments`; `language_code` and `language_identification` when the job identified
the language; `speaker_labels` when it asked for them), and SRT/WebVTT cut the way Transcribe cuts them: a cue per
phrase, ended by punctuation, a pause or a speaker's turn (aws-facts.md 8, "until there is a natural pause"), at most
seven words, times to the millisecond, cue numbers from the job's OutputStartIndex.

Pure functions over plain data: no model is needed to test them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_stack.environment import ACCOUNT_ID
from subtitle_writer.formats import timestamp

# Marks Transcribe writes as punctuation items; other marks around a word (quotes, brackets) are dropped, as
# Transcribe has none.
PUNCTUATION = frozenset(".,?!。、\uff0c\uff1f\uff01")  # and the full-width comma, question and exclamation marks
# Languages written without spaces between words (faster-whisper treats the same set so when it splits words).
UNSPACED = frozenset({"ja", "zh", "th", "lo", "my", "yue"})
SENTENCE_END = frozenset(".?!。\uff1f\uff01")
SEGMENT_PAUSE_SECONDS = 1.0  # a silence this long ends an audio segment
MAX_CUE_WORDS = 7
CUE_PAUSE_SECONDS = 0.6  # a silence this long between two words ends a cue
LANGUAGES: dict[str, str] = {
    code: transcribe
    for code, transcribe in json.loads(
        (Path(__file__).with_name("transcribe_languages.json")).read_text(encoding="utf-8")
    ).items()
    if not code.startswith("_")
}


@dataclass(frozen=True)
class Word:
    text: str  # as the recognizer gives it, with spaces and punctuation
    start: float
    end: float
    probability: float


@dataclass(frozen=True)
class Segment:
    words: tuple[Word, ...]


def base_language(code: str) -> str:
    """'ko-KR' -> 'ko': the language part of a Transcribe code, which is what Whisper knows."""
    return code.split("-", 1)[0].lower()


def transcribe_code(language: str, options: Sequence[str] = ()) -> str:
    """The Transcribe code for a Whisper language: the job's LanguageOptions entry for it, else the table's."""
    for option in options:
        if base_language(option) == language:
            return option
    return LANGUAGES.get(language, language)


def split_word(text: str) -> tuple[str, list[str]]:
    """(word, punctuation marks after it) of a recognizer's word: ' dawn.' -> ('dawn', ['.']); '...' -> ('', ['.'])."""
    stripped = text.strip()
    end = len(stripped)
    while end and not stripped[end - 1].isalnum():
        end -= 1
    start = 0
    while start < end and not stripped[start].isalnum():
        start += 1
    marks: list[str] = []
    for mark in stripped[end:]:
        if mark in PUNCTUATION and (not marks or marks[-1] != mark):
            marks.append(mark)
    return stripped[start:end], marks


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _confidence(probability: float) -> str:
    return str(round(min(max(probability, 0.0), 1.0), 4))


def _items(
    segments: Sequence[Segment], duration: float
) -> tuple[list[dict[str, Any]], list[tuple[list[int], float, float]]]:
    """Transcribe items, and per audio segment (item ids, start, end). Times stay inside the audio and never go back.

    The recognizer's own segments are windows of its decoder, which can end mid-sentence; Transcribe's audio segments
    are sentences and the speech between pauses, so the words are regrouped: a segment ends after a sentence's last
    mark or before a silence of SEGMENT_PAUSE_SECONDS."""
    items: list[dict[str, Any]] = []
    rows: list[tuple[list[int], float, float]] = []
    ids: list[int] = []
    first = last = 0.0
    for word in (word for segment in segments for word in segment.words):
        content, marks = split_word(word.text)
        if content:
            start = min(max(word.start, last), duration)
            end = min(max(word.end, start), duration)
            if ids and start - last >= SEGMENT_PAUSE_SECONDS:
                rows.append((ids, first, last))
                ids = []
            if not ids:
                first = start
            last = end
            ids.append(len(items))
            alternatives = [{"confidence": _confidence(word.probability), "content": content}]
            items.append(
                {
                    "id": len(items),
                    "type": "pronunciation",
                    "alternatives": alternatives,
                    "start_time": _seconds(start),
                    "end_time": _seconds(end),
                }
            )
        if not ids:  # punctuation before the first word has nothing to follow
            continue
        for mark in marks:
            ids.append(len(items))
            items.append(
                {"id": len(items), "type": "punctuation", "alternatives": [{"confidence": "0.0", "content": mark}]}
            )
        if any(mark in SENTENCE_END for mark in marks):
            rows.append((ids, first, last))
            ids = []
    if ids:
        rows.append((ids, first, last))
    return items, rows


def _text(items: Iterable[dict[str, Any]], spaced: bool) -> str:
    text = ""
    for item in items:
        content = item["alternatives"][0]["content"]
        if item["type"] == "pronunciation" and text and spaced:
            text += " "
        text += content
    return text


def add_single_speaker(results: dict[str, Any]) -> None:
    """Speaker labels for one voice: every item and segment belongs to spk_0 (used when the job asks for labels but
    the recognizer cannot tell voices apart)."""
    for item in results["items"]:
        if item["type"] == "pronunciation":
            item["speaker_label"] = "spk_0"
    for segment in results.get("audio_segments", []):
        segment["speaker_label"] = "spk_0"
    results["speaker_labels"] = {
        "channel_label": "ch_0",
        "speakers": 1,
        "segments": [
            {
                "start_time": segment["start_time"],
                "end_time": segment["end_time"],
                "speaker_label": "spk_0",
                "items": [
                    {"start_time": i["start_time"], "end_time": i["end_time"], "speaker_label": "spk_0"}
                    for i in results["items"]
                    if i["type"] == "pronunciation" and i["id"] in segment["items"]
                ],
            }
            for segment in results.get("audio_segments", [])
        ],
    }


def transcript_document(
    job_name: str,
    segments: Sequence[Segment],
    *,
    duration: float,
    language: str,
    identified: Sequence[tuple[str, float]] | None = None,
    speaker_labels: bool = False,
) -> dict[str, Any]:
    """Transcribe's transcript JSON. `language`: the Transcribe code of the speech; `identified`: (code, score) of
    each candidate when the job identified the language (written as `language_code`/`language_identification`)."""
    spaced = base_language(language) not in UNSPACED
    items, rows = _items(segments, duration)
    audio_segments = [
        {
            "id": number,
            "transcript": _text((items[i] for i in ids), spaced),
            "start_time": _seconds(start),
            "end_time": _seconds(end),
            "items": ids,
        }
        for number, (ids, start, end) in enumerate(rows)
    ]
    joiner = " " if spaced else ""
    results: dict[str, Any] = {
        "transcripts": [{"transcript": joiner.join(segment["transcript"] for segment in audio_segments)}],
        "items": items,
        "audio_segments": audio_segments,
    }
    if speaker_labels:
        add_single_speaker(results)
    if identified is not None:
        results["language_code"] = language
        ranked = sorted(identified, key=lambda pair: pair[1], reverse=True)
        results["language_identification"] = [{"score": f"{score:.4f}", "code": code} for code, score in ranked]
    return {"jobName": job_name, "accountId": ACCOUNT_ID, "status": "COMPLETED", "results": results}


def subtitle_cues(document: dict[str, Any], language: str) -> list[tuple[float, float, str]]:
    """(start, end, text) of each cue: an audio segment cut after punctuation, before a pause, at most seven words.
    `language`: the Transcribe code of the speech (some languages are written without spaces)."""
    results = document["results"]
    items = results["items"]
    spaced = base_language(language) not in UNSPACED
    cues: list[tuple[float, float, str]] = []
    for segment in results.get("audio_segments", []):
        for chunk in _phrases([items[i] for i in segment["items"]]):
            words = [i for i in chunk if i["type"] == "pronunciation"]
            if words:
                cues.append((float(words[0]["start_time"]), float(words[-1]["end_time"]), _text(chunk, spaced)))
    return cues


def _phrases(items: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """A segment's items cut after punctuation, before a pause, and at MAX_CUE_WORDS words."""
    phrases: list[list[dict[str, Any]]] = [[]]
    words_in_phrase = 0
    last_end: float | None = None
    for position, item in enumerate(items):
        if item["type"] == "pronunciation":
            pause = float(item["start_time"]) - last_end if last_end is not None else 0.0
            if words_in_phrase and (pause >= CUE_PAUSE_SECONDS or words_in_phrase == MAX_CUE_WORDS):
                phrases.append([])
                words_in_phrase = 0
            words_in_phrase += 1
            last_end = float(item["end_time"])
        phrases[-1].append(item)
        following = items[position + 1] if position + 1 < len(items) else None
        if item["type"] == "punctuation" and following is not None and following["type"] == "pronunciation":
            phrases.append([])
            words_in_phrase = 0
    return [phrase for phrase in phrases if phrase]


def subtitle_file(cues: Sequence[tuple[float, float, str]], fmt: str, start_index: int = 1) -> str:
    """An SRT (`fmt` "srt") or WebVTT ("vtt") file as Transcribe writes it; cue numbers from `start_index`."""
    vtt = fmt == "vtt"
    separator = "." if vtt else ","
    lines = ["WEBVTT", ""] if vtt else []
    for index, (start, end, text) in enumerate(cues, start=start_index):
        lines += [
            str(index),
            f"{timestamp(round(start * 1000), separator)} --> {timestamp(round(end * 1000), separator)}",
            text,
            "",
        ]
    return "\n".join(lines) + "\n"
