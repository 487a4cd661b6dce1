"""How a Transcribe job's settings reach the recognizer, and what a job that cannot be done turns into (no model:
a stand-in recognizer answers; decoding and the weights' check are the real ones)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
from local_stack import recognizer
from local_stack.recognizer import Recognition, WhisperRecognizer, job_output
from local_stack.transcribe_output import Segment, Word


class FakeRecognizer:
    """Answers like WhisperRecognizer and records what it was asked."""

    def __init__(self, scores: dict[str, float] | None = None) -> None:
        self.calls: list[tuple[str | None, list[str]]] = []
        self._scores = scores or {}

    @staticmethod
    def languages() -> list[str]:
        return WhisperRecognizer.languages()

    def recognize(self, media: bytes, *, language: str | None = None, candidates: Sequence[str] = ()) -> Recognition:
        self.calls.append((language, list(candidates)))
        scores = None
        if language is None:
            scores = sorted(((c, self._scores.get(c, 0.0)) for c in candidates), key=lambda p: -p[1])
            language = scores[0][0]
        words = (Word(" 안녕하세요.", 0.5, 1.2, 0.9),)
        return Recognition(language, scores, 2.0, [Segment(words)], 0.1)


def job(**settings: Any) -> dict[str, Any]:
    return {"TranscriptionJobName": "talks-hello.m4a-0123", **settings}


def test_a_language_code_is_passed_on_and_not_reported_as_identified() -> None:
    fake = FakeRecognizer()
    out = job_output(fake, job(LanguageCode="ko-KR"), b"audio")  # type: ignore[arg-type]
    assert fake.calls == [("ko", [])]
    assert isinstance(out.transcript, bytes)
    document = json.loads(out.transcript)
    assert document["jobName"] == "talks-hello.m4a-0123"
    assert "language_code" not in document["results"]
    assert out.subtitles["srt"] == "1\n00:00:00,500 --> 00:00:01,200\n안녕하세요.\n\n"
    assert out.failure_reason is None


def test_identification_is_restricted_to_the_language_options_and_reports_their_codes() -> None:
    fake = FakeRecognizer({"ko": 0.8, "en": 0.2, "th": 0.99})
    out = job_output(fake, job(IdentifyLanguage=True, LanguageOptions=["en-US", "ko-KR"]), b"audio")  # type: ignore[arg-type]
    assert fake.calls == [(None, ["en", "ko"])]  # Thai, likelier here, is no candidate
    results = json.loads(out.transcript)["results"]  # type: ignore[arg-type]
    assert results["language_code"] == "ko-KR"
    assert results["language_identification"] == [
        {"score": "0.8000", "code": "ko-KR"},
        {"score": "0.2000", "code": "en-US"},
    ]


def test_identification_without_options_is_restricted_to_transcribe_s_languages() -> None:
    fake = FakeRecognizer({"ko": 0.9})
    job_output(fake, job(IdentifyLanguage=True), b"audio")  # type: ignore[arg-type]
    candidates = fake.calls[0][1]
    assert "ko" in candidates
    assert "en" in candidates
    assert "haw" not in candidates  # Whisper knows Hawaiian; Transcribe does not


def test_speaker_labels_asked_for_give_one_speaker_and_say_why() -> None:
    out = job_output(FakeRecognizer(), job(LanguageCode="ko-KR", Settings={"ShowSpeakerLabels": True}), b"a")  # type: ignore[arg-type]
    assert json.loads(out.transcript)["results"]["speaker_labels"]["speakers"] == 1  # type: ignore[arg-type]
    assert "does not tell voices apart" in out.name


def test_a_language_whisper_lacks_fails_the_job() -> None:
    out = job_output(FakeRecognizer(), job(LanguageCode="zu-ZA"), b"audio")  # type: ignore[arg-type]
    assert out.failure_reason is not None
    assert "zu-ZA" in out.failure_reason


@pytest.mark.parametrize("media", [b"not audio at all", b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00" * 64])
def test_media_that_cannot_be_decoded_fails_the_job_as_transcribe_does(media: bytes) -> None:
    never_loaded = WhisperRecognizer()
    out = job_output(never_loaded, job(LanguageCode="en-US"), media)
    assert out.failure_reason == "Failed to parse audio file. Make sure the file is valid and try again."
    assert out.transcript == b""


def test_weights_that_are_not_the_pinned_ones_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recognizer, "MODEL_SHA256", "0" * 64)
    with pytest.raises(recognizer.RecognizerUnavailableError, match="not the pinned ones"):
        recognizer.model_files()
