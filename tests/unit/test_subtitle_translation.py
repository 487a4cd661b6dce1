"""Translated tracks: sentences, requests under Translate's byte limit, the flow back into cues, and failures that
cost no other track. Amazon Translate is stubbed at the boto3 level (botocore Stubber); moto has no Translate."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from illustrate_scenes.plan import PlanOptions, SourceFile, build_plan
from illustrate_scenes.subtitle_output import write_subtitles
from illustrate_scenes.subtitle_tracks import SubtitleOptions
from illustrate_scenes.transcript import Word
from pipeline_core import aws
from subtitle_writer.profiles import load_profiles
from subtitle_writer.translation import MAX_REQUEST_BYTES, Sentence, batches, flow, sentences

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TRANSCRIPT = SourceFile("transcripts/job.json", (FIXTURES / "handwritten_harbour_walk.json").read_bytes())
KOREAN = load_profiles().profiles["korean"]


def test_sentences_end_at_punctuation_speaker_changes_and_silence() -> None:
    words = [
        Word("Hello", 0, 300, "spk_0"),
        Word("there.", 300, 600, "spk_0"),
        Word("How", 700, 900, "spk_0"),
        Word("are", 900, 1000, "spk_1"),
        Word("you", 1000, 1200, "spk_1"),
        Word("today", 4000, 4300, "spk_1"),
    ]
    assert sentences(words) == [
        Sentence("Hello there.", 0, 600, "spk_0"),
        Sentence("How", 700, 900, "spk_0"),
        Sentence("are you", 900, 1200, "spk_1"),
        Sentence("today", 4000, 4300, "spk_1"),
    ]


def test_an_unpunctuated_monologue_is_sent_in_pieces() -> None:
    words = [Word("단어입니다", i * 300, i * 300 + 250) for i in range(2000)]
    found = sentences(words)
    assert len(found) > 1
    assert all(len(s.text.encode("utf-8")) <= 3_100 for s in found)
    assert " ".join(s.text for s in found).split() == [w.text for w in words]


def test_requests_stay_under_the_byte_limit_and_keep_the_order() -> None:
    texts = ["가나다라마바사 " * 40] * 50  # ~ 50 x 880 bytes of Korean
    groups = batches(texts)
    assert list(itertools.chain.from_iterable(groups)) == list(range(50))
    for group in groups:
        assert len("\n".join(texts[i] for i in group).encode("utf-8")) < MAX_REQUEST_BYTES < 10_000


def test_the_translation_flows_back_over_each_sentence_span() -> None:
    source = [Sentence("Hello there.", 0, 1200), Sentence("See you tomorrow at the market.", 3000, 5600)]
    translated = ["안녕하세요.", "내일 시장에서 봐요."]
    cues = flow(source, translated, KOREAN, load_profiles().break_rules("ko"))
    assert " ".join(" ".join(c.lines) for c in cues).split() == ["안녕하세요.", "내일", "시장에서", "봐요."]
    assert cues[0].start_ms == 0
    assert cues[-1].start_ms >= 3000
    for cue, following in itertools.pairwise(cues):
        assert following.start_ms - cue.end_ms >= KOREAN.min_gap_ms


def translate_stub(answers: dict[str, Any]) -> tuple[Any, Stubber]:
    """A real boto3 Translate client whose answers are queued per target language (a dict, or an error code)."""
    client = boto3.client("translate", region_name="us-east-1")
    stubber = Stubber(client)
    for target, answer in answers.items():
        if isinstance(answer, str):
            stubber.add_client_error("translate_text", service_error_code=answer, service_message=f"{answer} for it")
        else:
            expected = {"Text": answer["expect"], "SourceLanguageCode": "en", "TargetLanguageCode": target}
            expected.update(answer.get("extra", {}))
            stubber.add_response(
                "translate_text",
                {"TranslatedText": answer["text"], "SourceLanguageCode": "en", "TargetLanguageCode": target},
                expected,
            )
    stubber.activate()
    return client, stubber


def test_each_language_is_its_own_track_and_one_failure_loses_nothing_else() -> None:
    plan = build_plan("job", PlanOptions(), transcript=TRANSCRIPT)
    source_text = "\n".join(s.text for s in sentences(plan.subtitle_track.words))
    lines = source_text.split("\n")
    korean = "\n".join(f"{i}번째 문장입니다." for i in range(len(lines)))
    client, stubber = translate_stub(
        {
            "ko": {"expect": source_text, "text": korean, "extra": {"TerminologyNames": ["harbour-names"]}},
            "de": "ServiceUnavailableException",
        }
    )
    written: dict[str, bytes] = {}
    options = SubtitleOptions(languages=("ko", "de"), terminology_names=("harbour-names",))
    with aws.override("translate", client):
        fields = write_subtitles("job", plan, lambda key, body, kind: written.__setitem__(key, body), options)
    stubber.assert_no_pending_responses()
    tracks = {t["language"]: t for t in fields["subtitle_tracks"]}
    assert (tracks["en-GB"]["status"], tracks["en-GB"]["kind"]) == ("ok", "original")
    assert (tracks["ko"]["status"], tracks["ko"]["kind"]) == ("ok", "translation")
    assert (tracks["de"]["status"], tracks["de"]["srt_key"]) == ("failed", None)
    assert "ServiceUnavailableException" in tracks["de"]["reason"]
    assert sorted(written) == [
        "job/subtitles.en-GB.srt",
        "job/subtitles.en-GB.vtt",
        "job/subtitles.ko.srt",
        "job/subtitles.ko.vtt",
    ]
    ko_srt = written["job/subtitles.ko.srt"].decode("utf-8")
    assert "0번째 문장입니다." in ko_srt
    assert f"{len(lines) - 1}번째 문장입니다." in ko_srt
    assert fields["subtitle_quality"]["translations"]["ko"]["profile"]["name"] == "korean"


def test_a_transcript_without_a_language_is_never_sent_as_auto() -> None:
    document = (FIXTURES / "transcribe_output_2_docs_diarization.json").read_bytes()
    plan = build_plan("job", PlanOptions(), transcript=SourceFile("t.json", document))
    client, stubber = translate_stub({})
    with aws.override("translate", client):
        fields = write_subtitles("job", plan, lambda *file: None, SubtitleOptions(languages=("ko",)))
    stubber.assert_no_pending_responses()
    [original, korean] = fields["subtitle_tracks"]
    assert original["status"] == "ok"
    assert korean["status"] == "failed"
    assert "language is unknown" in korean["reason"]


@pytest.mark.parametrize("answer_lines", [1, 3])
def test_an_answer_with_other_line_counts_is_retried_sentence_by_sentence(answer_lines: int) -> None:
    plan = build_plan("job", PlanOptions(), transcript=TRANSCRIPT)
    spoken = sentences(plan.subtitle_track.words)
    client = boto3.client("translate", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_response(
        "translate_text",
        {"TranslatedText": "\n".join(["x"] * answer_lines), "SourceLanguageCode": "en", "TargetLanguageCode": "fr"},
    )
    for index, sentence in enumerate(spoken):
        stubber.add_response(
            "translate_text",
            {"TranslatedText": f"phrase{index}", "SourceLanguageCode": "en", "TargetLanguageCode": "fr"},
            {"Text": sentence.text, "SourceLanguageCode": "en", "TargetLanguageCode": "fr"},
        )
    stubber.activate()
    written: dict[str, bytes] = {}
    with aws.override("translate", client):
        write_subtitles(
            "job", plan, lambda key, body, kind: written.__setitem__(key, body), SubtitleOptions(languages=("fr",))
        )
    stubber.assert_no_pending_responses()
    text = written["job/subtitles.fr.srt"].decode("utf-8")
    assert [w for w in text.split() if w.startswith("phrase")] == [f"phrase{i}" for i in range(len(spoken))]
