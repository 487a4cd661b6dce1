"""Transcribe JSON parsing: both layouts, speakers, language, and errors that name the field."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from illustrate_scenes.transcript import TranscriptError, language_code, parse_transcript

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def pronunciations(document: dict) -> list[dict]:
    return [item for item in document["results"]["items"] if item["type"] == "pronunciation"]


def test_older_layout_gives_words_with_punctuation_attached_and_times_in_ms() -> None:
    document = load("transcribe_output_1_docs_basic.json")
    transcript = parse_transcript(json.dumps(document), "basic.json")

    items = pronunciations(document)
    assert [w.start_ms for w in transcript.words] == [round(float(i["start_time"]) * 1000) for i in items]
    assert [w.end_ms for w in transcript.words] == [round(float(i["end_time"]) * 1000) for i in items]
    # Joining the words gives back the documented transcript text: punctuation sits on the word before it.
    assert " ".join(w.text for w in transcript.words) == document["results"]["transcripts"][0]["transcript"]
    assert transcript.segments == []  # older layout: no audio_segments
    assert transcript.language_code is None
    assert transcript.has_speech


def test_diarized_sample_keeps_each_words_speaker() -> None:
    document = load("transcribe_output_2_docs_diarization.json")
    transcript = parse_transcript(json.dumps(document))

    assert [w.speaker for w in transcript.words] == [i["speaker_label"] for i in pronunciations(document)]
    assert transcript.speaker_count == document["results"]["speaker_labels"]["speakers"]
    assert " ".join(w.text for w in transcript.words) == document["results"]["transcripts"][0]["transcript"]


def test_speakers_come_from_speaker_label_segments_when_items_lack_them() -> None:
    document = load("transcribe_output_2_docs_diarization.json")
    stripped = copy.deepcopy(document)
    for item in stripped["results"]["items"]:
        item.pop("speaker_label", None)

    transcript = parse_transcript(json.dumps(stripped))

    assert [w.speaker for w in transcript.words] == [i["speaker_label"] for i in pronunciations(document)]


def test_newer_layout_with_item_ids_audio_segments_and_language() -> None:
    document = load("handwritten_harbour_walk.json")
    transcript = parse_transcript((FIXTURES / "handwritten_harbour_walk.json").read_bytes())

    segments = document["results"]["audio_segments"]
    assert [s.text for s in transcript.segments] == [s["transcript"] for s in segments]
    assert [s.start_ms for s in transcript.segments] == [round(float(s["start_time"]) * 1000) for s in segments]
    assert [s.speaker for s in transcript.segments] == [s["speaker_label"] for s in segments]
    assert len(transcript.words) == len(pronunciations(document))
    assert transcript.language_code == document["results"]["language_code"]
    assert transcript.job_name == document["jobName"]


def test_silent_audio_has_no_words() -> None:
    transcript = parse_transcript((FIXTURES / "handwritten_silent.json").read_bytes())
    assert transcript.words == []
    assert not transcript.has_speech


def test_language_from_identification_scores_or_longest_language() -> None:
    identified = {"language_identification": [{"score": "0.2", "code": "de-DE"}, {"score": "0.8", "code": "fr-FR"}]}
    assert language_code(identified) == "fr-FR"
    multi = {
        "language_codes": [
            {"language_code": "en-US", "duration_in_seconds": 12.5},
            {"language_code": "es-US", "duration_in_seconds": 40.1},
        ]
    }
    assert language_code(multi) == "es-US"
    assert language_code({}) is None


def test_unknown_item_types_are_ignored() -> None:
    document = load("transcribe_output_1_docs_basic.json")
    document["results"]["items"].insert(0, {"type": "speaker_change"})
    transcript = parse_transcript(json.dumps(document))
    assert len(transcript.words) == len(pronunciations(document))


def broken(mutate) -> str:
    document = load("transcribe_output_1_docs_basic.json")
    mutate(document)
    return json.dumps(document)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ("{not json", "(document)"),
        ("[1, 2]", "(document)"),
        (broken(lambda d: d.pop("results")), "results"),
        (broken(lambda d: d["results"].pop("items")), "results.items"),
        (broken(lambda d: d["results"]["items"][2].pop("start_time")), "results.items[2].start_time"),
        (broken(lambda d: d["results"]["items"][1].update(end_time="soon")), "results.items[1].end_time"),
        (broken(lambda d: d["results"]["items"][0].update(end_time="0.1")), "results.items[0].end_time"),
        (broken(lambda d: d["results"]["items"][3].update(alternatives=[])), "results.items[3].alternatives"),
        (broken(lambda d: d["results"].update(audio_segments={"id": 0})), "results.audio_segments"),
    ],
)
def test_malformed_transcripts_name_file_and_field(data: str, field: str) -> None:
    with pytest.raises(TranscriptError) as caught:
        parse_transcript(data, "transcripts/job.json")
    assert caught.value.field == field
    assert str(caught.value).startswith(f"transcripts/job.json: {field} ")
