"""The Transcribe-shape writer: recognized words in, Transcribe's transcript JSON and SRT/WebVTT out (no model)."""

from __future__ import annotations

import json

import pytest
from local_stack.transcribe_output import (
    Segment,
    Word,
    split_word,
    subtitle_cues,
    subtitle_file,
    transcribe_code,
    transcript_document,
)
from local_stack.transcribe_standin import SAMPLE_AUDIO, Fixture

from illustrate_scenes.subtitles import parse_srt, parse_vtt
from illustrate_scenes.transcript import parse_transcript


def words_of(fixture: Fixture) -> list[Word]:
    """The fixture's words as a recognizer gives them: leading space, punctuation attached."""
    assert isinstance(fixture.transcript, dict)
    raw: list[list] = []
    for item in fixture.transcript["results"]["items"]:
        alternative = item["alternatives"][0]
        if item["type"] == "pronunciation":
            times = [float(item["start_time"]), float(item["end_time"])]
            raw.append([" " + alternative["content"], *times, float(alternative["confidence"])])
        else:
            raw[-1][0] += alternative["content"]
    return [Word(*entry) for entry in raw]


def test_the_sample_s_words_come_out_exactly_as_the_bundled_transcribe_files() -> None:
    # The bundled fixture is Transcribe's layout and cut; the same words must give the same bytes, whatever way the
    # recognizer windowed them (here: three uneven windows, one ending mid-sentence).
    fixture = Fixture.load(SAMPLE_AUDIO.stem)
    words = words_of(fixture)
    windows = [Segment(tuple(words[:10])), Segment(tuple(words[10:11])), Segment(tuple(words[11:]))]
    document = transcript_document("sample-talk", windows, duration=31.644, language="en-US")
    assert document == fixture.transcript
    cues = subtitle_cues(document, "en-US")
    assert subtitle_file(cues, "srt") == fixture.subtitles["srt"]
    assert subtitle_file(cues, "vtt") == fixture.subtitles["vtt"]


def test_items_ids_punctuation_and_strings_as_transcribe_writes_them() -> None:
    segments = [Segment((Word(" Hello,", 0.5, 0.9, 0.98765), Word(' "world"!', 1.0, 1.4, 1.0)))]
    document = transcript_document("job-1", segments, duration=2.0, language="en-US")
    assert list(document) == ["jobName", "accountId", "status", "results"]
    assert document["jobName"] == "job-1"
    assert document["status"] == "COMPLETED"
    items = document["results"]["items"]
    assert items == [
        {
            "id": 0,
            "type": "pronunciation",
            "alternatives": [{"confidence": "0.9877", "content": "Hello"}],
            "start_time": "0.500",
            "end_time": "0.900",
        },
        {"id": 1, "type": "punctuation", "alternatives": [{"confidence": "0.0", "content": ","}]},
        {
            "id": 2,
            "type": "pronunciation",
            "alternatives": [{"confidence": "1.0", "content": "world"}],
            "start_time": "1.000",
            "end_time": "1.400",
        },
        {"id": 3, "type": "punctuation", "alternatives": [{"confidence": "0.0", "content": "!"}]},
    ]
    assert document["results"]["transcripts"] == [{"transcript": "Hello, world!"}]
    assert document["results"]["audio_segments"] == [
        {"id": 0, "transcript": "Hello, world!", "start_time": "0.500", "end_time": "1.400", "items": [0, 1, 2, 3]}
    ]
    assert "language_code" not in document["results"]  # LanguageCode jobs carry no identification
    assert "speaker_labels" not in document["results"]


def test_times_never_go_back_and_stay_inside_the_audio() -> None:
    segments = [
        Segment((Word(" one", -0.2, 0.5, 0.9), Word(" two", 0.4, 0.3, 0.9))),
        Segment((Word(" three", 0.6, 9.0, 0.9),)),
    ]
    items = transcript_document("j", segments, duration=5.0, language="en-US")["results"]["items"]
    times = [(float(i["start_time"]), float(i["end_time"])) for i in items]
    assert times == [(0.0, 0.5), (0.5, 0.5), (0.6, 5.0)]


def test_audio_segments_follow_sentences_and_pauses_not_the_recognizer_s_windows() -> None:
    segments = [
        Segment((Word(" First", 0.0, 0.3, 1), Word(" sentence.", 0.3, 0.8, 1), Word(" Second", 0.9, 1.2, 1))),
        Segment((Word(" part", 1.2, 1.5, 1), Word(" then", 3.0, 3.3, 1), Word(" silence", 3.3, 3.8, 1))),
    ]
    results = transcript_document("j", segments, duration=4.0, language="en-US")["results"]
    assert [s["transcript"] for s in results["audio_segments"]] == ["First sentence.", "Second part", "then silence"]
    assert [s["id"] for s in results["audio_segments"]] == [0, 1, 2]


def test_identified_language_and_single_speaker_labels() -> None:
    segments = [Segment((Word(" 안녕하세요.", 0.2, 0.9, 0.8), Word(" 반갑습니다.", 1.0, 1.8, 0.7)))]
    document = transcript_document(
        "j", segments, duration=2.0, language="ko-KR", identified=[("en-US", 0.1), ("ko-KR", 0.9)], speaker_labels=True
    )
    results = document["results"]
    assert results["language_code"] == "ko-KR"
    assert results["language_identification"] == [
        {"score": "0.9000", "code": "ko-KR"},
        {"score": "0.1000", "code": "en-US"},
    ]
    assert results["speaker_labels"]["speakers"] == 1
    assert {i.get("speaker_label") for i in results["items"] if i["type"] == "pronunciation"} == {"spk_0"}
    assert [len(s["items"]) for s in results["speaker_labels"]["segments"]] == [1, 1]
    # The image function reads it as it reads Transcribe's own output.
    parsed = parse_transcript(json.dumps(document))
    assert parsed.language_code == "ko-KR"
    assert parsed.text == "안녕하세요. 반갑습니다."
    assert parsed.speaker_count == 1
    assert [w.text for w in parsed.words] == ["안녕하세요.", "반갑습니다."]


def test_languages_written_without_spaces_are_joined_without_them() -> None:
    segments = [Segment((Word("今日", 0.0, 0.4, 1), Word("は", 0.4, 0.5, 1), Word("晴れ。", 0.5, 0.9, 1)))]
    document = transcript_document("j", segments, duration=1.0, language="ja-JP")
    assert document["results"]["transcripts"][0]["transcript"] == "今日は晴れ。"
    assert subtitle_cues(document, "ja-JP") == [(0.0, 0.9, "今日は晴れ。")]


def test_cues_end_at_punctuation_a_pause_or_seven_words_and_number_from_the_start_index() -> None:
    spoken = " ".join(["w"] * 9).split()
    words = [Word(f" {text}{i}", i * 0.3, i * 0.3 + 0.25, 1) for i, text in enumerate(spoken)]
    words += [Word(" after,", 4.0, 4.3, 1), Word(" pause.", 4.3, 4.6, 1)]
    document = transcript_document("j", [Segment(tuple(words))], duration=5.0, language="en-US")
    cues = subtitle_cues(document, "en-US")
    assert [text for _, _, text in cues] == ["w0 w1 w2 w3 w4 w5 w6", "w7 w8", "after,", "pause."]
    srt = subtitle_file(cues, "srt", start_index=0)
    assert srt.startswith("0\n00:00:00,000 --> 00:00:02,050\nw0 w1 w2 w3 w4 w5 w6\n\n1\n")
    assert [cue.text for cue in parse_srt(srt)] == [text for _, _, text in cues]
    assert [cue.text for cue in parse_vtt(subtitle_file(cues, "vtt"))] == [text for _, _, text in cues]


def test_no_speech_gives_an_empty_transcript_and_no_cues() -> None:
    document = transcript_document("j", [], duration=3.0, language="en-US")
    assert document["results"] == {"transcripts": [{"transcript": ""}], "items": [], "audio_segments": []}
    assert subtitle_cues(document, "en-US") == []


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" dawn.", ("dawn", ["."])),
        ("...", ("", ["."])),
        (' "quoted"?!', ("quoted", ["?", "!"])),
        (" don't", ("don't", [])),
    ],
)
def test_split_word(raw: str, expected: tuple[str, list[str]]) -> None:
    assert split_word(raw) == expected


def test_transcribe_codes_prefer_the_job_s_options() -> None:
    assert transcribe_code("en", ["en-GB", "ko-KR"]) == "en-GB"
    assert transcribe_code("ko") == "ko-KR"
