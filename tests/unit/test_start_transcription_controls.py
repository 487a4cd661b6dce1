"""Transcription controls: custom vocabulary, vocabulary filter and PII redaction, checked at start-up and passed to
StartTranscriptionJob (validated against botocore's model, and accepted by moto's Transcribe)."""

from __future__ import annotations

from typing import Any

import boto3
import botocore.session
import pytest
from botocore.validate import validate_parameters
from moto import mock_aws

from pipeline_core.config import ConfigError
from pipeline_core.s3_events import S3Object
from start_transcription import jobs
from start_transcription.controls import REDACTION_LANGUAGES, Controls, control_parameters

START_INPUT = (
    botocore.session.get_session().get_service_model("transcribe").operation_model("StartTranscriptionJob").input_shape
)
OBJ = S3Object(bucket="audio-1234", key="talks/a.mp3", size=1000, etag="abc", version_id=None, event_name="Put")


def settings(**environ: str) -> jobs.Settings:
    return jobs.load_settings({"TRANSCRIPT_BUCKET": "transcripts-1234", **environ})


def request(**environ: str) -> dict[str, Any]:
    built = jobs.build_start_request(OBJ, "mp3", settings(**environ))
    validate_parameters(built, START_INPUT)
    return built


def test_nothing_is_added_by_default() -> None:
    assert settings().controls == Controls()
    built = request()
    assert "ContentRedaction" not in built
    assert "Settings" not in built


def test_vocabulary_and_filter_join_the_speaker_settings() -> None:
    built = request(
        LANGUAGE_CODE="ko-KR",
        MAX_SPEAKER_LABELS="2",
        VOCABULARY_NAME="harbour-terms",
        VOCABULARY_FILTER_NAME="no-swearing",
        VOCABULARY_FILTER_METHOD="tag",
    )
    assert built["Settings"] == {
        "ShowSpeakerLabels": True,
        "MaxSpeakerLabels": 2,
        "VocabularyName": "harbour-terms",
        "VocabularyFilterName": "no-swearing",
        "VocabularyFilterMethod": "tag",
    }


def test_redaction_asks_for_the_redacted_transcript_only() -> None:
    built = request(LANGUAGE_CODE="en-US", REDACT_PII="true")
    assert built["ContentRedaction"] == {"RedactionType": "PII", "RedactionOutput": "redacted"}
    assert control_parameters(Controls(redact_pii=False)) == {}


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"VOCABULARY_NAME": "terms"}, "VOCABULARY_NAME needs LANGUAGE_CODE"),
        ({"VOCABULARY_FILTER_NAME": "words"}, "VOCABULARY_FILTER_NAME needs LANGUAGE_CODE"),
        ({"LANGUAGE_CODE": "en-US", "VOCABULARY_NAME": "bad name"}, "VOCABULARY_NAME must be a name"),
        ({"VOCABULARY_FILTER_METHOD": "blur"}, "VOCABULARY_FILTER_METHOD must be one of remove, mask, tag"),
        ({"REDACT_PII": "yes"}, "REDACT_PII must be true or false"),
        ({"REDACT_PII": "true"}, "got automatic identification"),
        ({"REDACT_PII": "true", "LANGUAGE_CODE": "ko-KR"}, "got ko-KR"),
    ],
)
def test_mistakes_are_named_at_start_up(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        settings(**environ)


@pytest.mark.parametrize("language", REDACTION_LANGUAGES)
def test_every_redaction_language_is_accepted(language: str) -> None:
    assert settings(LANGUAGE_CODE=language, REDACT_PII="true").controls.redact_pii


@mock_aws
def test_transcribe_accepts_the_request_with_a_vocabulary_and_redaction() -> None:
    client = boto3.client("transcribe", region_name="us-east-1")
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="transcripts-1234")
    client.create_vocabulary(VocabularyName="harbour-terms", LanguageCode="en-US", Phrases=["lighthouse"])
    built = request(LANGUAGE_CODE="en-US", VOCABULARY_NAME="harbour-terms", REDACT_PII="true")
    client.start_transcription_job(**built)
    job = client.get_transcription_job(TranscriptionJobName=built["TranscriptionJobName"])["TranscriptionJob"]
    assert job["Settings"]["VocabularyName"] == "harbour-terms"
    # moto 5.2 accepts ContentRedaction but does not echo it in GetTranscriptionJob; the request shape is checked
    # against botocore's model in request() above.
