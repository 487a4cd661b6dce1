"""The transcription function's rules, without AWS: settings, which objects are accepted, the request it sends."""

from __future__ import annotations

import json
import posixpath
import re
from datetime import UTC, datetime
from typing import Any

import botocore.session
import pytest
from botocore.validate import validate_parameters

from pipeline_core import naming
from pipeline_core.config import ConfigError
from pipeline_core.contract import CONTRACT
from pipeline_core.s3_events import S3Object
from start_transcription import jobs

_TRANSCRIBE = botocore.session.get_session().get_service_model("transcribe")
START_INPUT = _TRANSCRIBE.operation_model("StartTranscriptionJob").input_shape
NAME_PATTERN = re.compile(_TRANSCRIBE.shape_for("TranscriptionJobName").metadata["pattern"] + "$")
OUTPUT_KEY_PATTERN = re.compile(_TRANSCRIBE.shape_for("OutputKey").metadata["pattern"])
BUCKET_PATTERN = re.compile(_TRANSCRIBE.shape_for("OutputBucketName").metadata["pattern"])

BUCKET = "transcripts-1234"


def settings(**environ: str) -> jobs.Settings:
    return jobs.load_settings({"TRANSCRIPT_BUCKET": BUCKET, **environ})


def audio(key: str = "uploads/Mein Vortrag.mp3", size: int | None = 1000, **fields: Any) -> S3Object:
    identity = {"bucket": "audio-1234", "etag": "9dd4e461268c8034f5c8564e155c67a6", "version_id": None}
    return S3Object(key=key, size=size, event_name="ObjectCreated:Put", **{**identity, **fields})


# --- settings -------------------------------------------------------------------------------------------------------


def test_defaults_identify_the_language_without_speaker_labels() -> None:
    loaded = settings()
    assert loaded == jobs.Settings(
        transcript_bucket=BUCKET, language_code=None, language_options=(), max_speaker_labels=0, log_level="INFO"
    )


def test_every_setting_is_read() -> None:
    loaded = settings(LANGUAGE_CODE="de-DE", MAX_SPEAKER_LABELS="30", LOG_LEVEL="debug")
    assert (loaded.language_code, loaded.max_speaker_labels, loaded.log_level) == ("de-DE", 30, "DEBUG")
    assert settings(LANGUAGE_OPTIONS=" en-US , de-DE,en-US, ").language_options == ("en-US", "de-DE")
    assert settings(LANGUAGE_CODE=" ").language_code is None  # blank, as Terraform passes an unset variable


@pytest.mark.parametrize(
    ("environ", "variables"),
    [
        ({"TRANSCRIPT_BUCKET": ""}, ["TRANSCRIPT_BUCKET"]),
        ({"TRANSCRIPT_BUCKET": "s3://transcripts-1234"}, ["TRANSCRIPT_BUCKET"]),
        ({"TRANSCRIPT_BUCKET": "Transcripts_Bucket"}, ["TRANSCRIPT_BUCKET"]),
        ({"LANGUAGE_CODE": "english"}, ["LANGUAGE_CODE"]),
        ({"LANGUAGE_CODE": "en_US"}, ["LANGUAGE_CODE"]),
        ({"LANGUAGE_CODE": "EN-us"}, ["LANGUAGE_CODE"]),
        ({"LANGUAGE_OPTIONS": "en-US,german"}, ["LANGUAGE_OPTIONS"]),
        ({"LANGUAGE_OPTIONS": "en-US"}, ["LANGUAGE_OPTIONS", "LANGUAGE_CODE=en-US"]),
        ({"LANGUAGE_OPTIONS": "en-US,en-US"}, ["LANGUAGE_OPTIONS"]),
        ({"LANGUAGE_CODE": "en-US", "LANGUAGE_OPTIONS": "en-US,de-DE"}, ["LANGUAGE_CODE", "LANGUAGE_OPTIONS"]),
        ({"MAX_SPEAKER_LABELS": "1"}, ["MAX_SPEAKER_LABELS"]),
        ({"MAX_SPEAKER_LABELS": "31"}, ["MAX_SPEAKER_LABELS"]),
        ({"MAX_SPEAKER_LABELS": "-2"}, ["MAX_SPEAKER_LABELS"]),
        ({"MAX_SPEAKER_LABELS": "two"}, ["MAX_SPEAKER_LABELS"]),
        ({"LOG_LEVEL": "verbose"}, ["LOG_LEVEL"]),
    ],
)
def test_bad_settings_raise_an_error_naming_the_variable(environ: dict[str, str], variables: list[str]) -> None:
    with pytest.raises(ConfigError) as raised:
        settings(**environ)
    for variable in variables:
        assert variable in str(raised.value)


def test_missing_transcript_bucket_is_named() -> None:
    with pytest.raises(ConfigError, match="TRANSCRIPT_BUCKET"):
        jobs.load_settings({})


def test_the_bucket_rule_is_transcribes_own() -> None:
    for name in ("transcripts-1234", "my.bucket.name", "a" * 63):
        assert BUCKET_PATTERN.fullmatch(name)
        assert settings(TRANSCRIPT_BUCKET=name).transcript_bucket == name


def test_every_transcribe_language_code_is_accepted() -> None:
    for code in _TRANSCRIBE.shape_for("LanguageCode").enum:
        assert settings(LANGUAGE_CODE=code).language_code == code


# --- classify -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("media_format", CONTRACT.media_formats)
@pytest.mark.parametrize("spell", [str.lower, str.upper, str.capitalize])
def test_every_transcribe_format_is_accepted_in_any_case(media_format: str, spell: Any) -> None:
    assert jobs.classify(audio(f"talks/Vortrag.{spell(media_format)}")) == jobs.Accepted(media_format)


def test_a_file_named_only_by_its_extension_is_accepted() -> None:
    assert jobs.classify(audio("talks/.MP3")) == jobs.Accepted("mp3")


@pytest.mark.parametrize(
    ("key", "named"),
    [
        ("notes.txt", "'.txt'"),
        ("talk.mp3.zip", "'.zip'"),
        ("talk", "no file extension"),
        ("folder.mp3/talk", "no file extension"),
        ("folder/", "no file extension"),
        ("talks/.txt", "'.txt'"),  # a name that is only an extension still names it
    ],
)
def test_other_files_are_rejected_with_what_was_found_and_what_is_accepted(key: str, named: str) -> None:
    verdict = jobs.classify(audio(key))
    assert isinstance(verdict, jobs.Rejected)
    assert verdict.reason == jobs.UNSUPPORTED_FORMAT
    assert named in verdict.detail
    assert all(media_format in verdict.detail for media_format in CONTRACT.media_formats)


def test_empty_objects_are_rejected_and_the_format_is_named_first() -> None:
    empty = jobs.classify(audio(size=0))
    empty_text = jobs.classify(audio("notes.txt", size=0))
    assert isinstance(empty, jobs.Rejected)
    assert isinstance(empty_text, jobs.Rejected)
    assert (empty.reason, empty_text.reason) == (jobs.EMPTY_OBJECT, jobs.UNSUPPORTED_FORMAT)


def test_size_limit_is_transcribes_two_gigabytes() -> None:
    assert isinstance(jobs.classify(audio(size=2 * 1024**3)), jobs.Accepted)
    too_large = jobs.classify(audio(size=2 * 1024**3 + 1))
    assert isinstance(too_large, jobs.Rejected)
    assert too_large.reason == jobs.TOO_LARGE


def test_unknown_size_is_left_to_the_head_object_check() -> None:
    assert jobs.classify(audio(size=None)) == jobs.Accepted("mp3")


# --- the StartTranscriptionJob request --------------------------------------------------------------------------------

SETTINGS_CASES = [
    {},
    {"LANGUAGE_CODE": "en-US"},
    {"LANGUAGE_OPTIONS": "en-US,de-DE,fr-FR"},
    {"MAX_SPEAKER_LABELS": "2"},
    {"LANGUAGE_CODE": "ko-KR", "MAX_SPEAKER_LABELS": "30"},
]


@pytest.mark.parametrize("environ", SETTINGS_CASES)
@pytest.mark.parametrize(
    "key", ["uploads/Mein Vortrag.mp3", "한국어 강의/첫 번째.OGG", "a+b 100%.m4a", "😀" * 255 + ".wav"]
)
def test_request_is_valid_for_the_transcribe_api(environ: dict[str, str], key: str) -> None:
    obj = audio(key)
    request = jobs.build_start_request(obj, naming.media_format(key) or "", settings(**environ))
    validate_parameters(request, START_INPUT)  # raises ParamValidationError naming the bad parameter
    assert NAME_PATTERN.match(request["TranscriptionJobName"])
    assert OUTPUT_KEY_PATTERN.match(request["OutputKey"])


def test_request_names_the_object_and_puts_three_outputs_side_by_side() -> None:
    obj = audio("한국어 강의/Mein Vortrag 🎤 + Q&A.MP3", version_id="v7")
    request = jobs.build_start_request(obj, "mp3", settings())
    job = naming.job_name(obj.bucket, obj.key, obj.etag)

    assert request["TranscriptionJobName"] == job
    assert request["Media"] == {"MediaFileUri": f"s3://{obj.bucket}/{obj.key}"}  # as stored, not URL-encoded
    assert request["MediaFormat"] == "mp3"
    assert request["OutputBucketName"] == BUCKET
    assert request["OutputKey"] == naming.transcript_key(job)
    assert request["OutputKey"].endswith(f"{job}.json")
    assert request["Subtitles"] == {"Formats": ["srt", "vtt"], "OutputStartIndex": 1}
    base = posixpath.splitext(request["OutputKey"])[0]
    assert {naming.subtitle_key(job, fmt) for fmt in request["Subtitles"]["Formats"]} == {f"{base}.srt", f"{base}.vtt"}


def test_request_is_the_same_every_time() -> None:
    first = jobs.build_start_request(audio(), "mp3", settings())
    assert jobs.build_start_request(audio(), "mp3", settings()) == first


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, {"IdentifyLanguage": True}),
        ({"LANGUAGE_CODE": "de-DE"}, {"LanguageCode": "de-DE"}),
        ({"LANGUAGE_OPTIONS": "en-US,de-DE"}, {"IdentifyLanguage": True, "LanguageOptions": ["en-US", "de-DE"]}),
    ],
)
def test_exactly_one_language_mode_is_requested(environ: dict[str, str], expected: dict[str, Any]) -> None:
    request = jobs.build_start_request(audio(), "mp3", settings(**environ))
    language_keys = {"LanguageCode", "IdentifyLanguage", "IdentifyMultipleLanguages", "LanguageOptions"}
    assert {k: v for k, v in request.items() if k in language_keys} == expected


def test_speaker_labels_only_when_asked_for() -> None:
    assert "Settings" not in jobs.build_start_request(audio(), "mp3", settings())
    request = jobs.build_start_request(audio(), "mp3", settings(MAX_SPEAKER_LABELS="5"))
    assert request["Settings"] == {"ShowSpeakerLabels": True, "MaxSpeakerLabels": 5}


# --- overwritten objects and the job record ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event_fields", "current_etag", "current_version", "superseded"),
    [
        ({"etag": "abc"}, '"abc"', None, False),
        ({"etag": "abc"}, '"def"', None, True),
        ({"etag": "abc", "version_id": "v1"}, '"abc"', "v1", False),
        ({"etag": "abc", "version_id": "v1"}, '"abc"', "v2", True),  # same bytes uploaded again: a newer version
        ({"etag": ""}, '"def"', None, False),  # nothing to compare with
    ],
)
def test_superseded_when_the_key_now_holds_another_object(
    event_fields: dict[str, Any], current_etag: str, current_version: str | None, superseded: bool
) -> None:
    assert jobs.is_superseded(audio(**event_fields), current_etag, current_version) is superseded


def test_job_record_says_where_the_audio_came_from_and_where_outputs_appear() -> None:
    obj = audio("talks/Vortrag 🎤.m4a", version_id="v1")
    request = jobs.build_start_request(obj, "m4a", settings(LANGUAGE_OPTIONS="en-US,de-DE", MAX_SPEAKER_LABELS="3"))
    started = datetime(2025, 5, 1, 12, 30, tzinfo=UTC)

    record = json.loads(json.dumps(jobs.job_record(obj, request, started, 1234.5678)))  # JSON-safe as written

    job = request["TranscriptionJobName"]
    assert record == {
        "job_name": job,
        "audio_bucket": obj.bucket,
        "audio_key": "talks/Vortrag 🎤.m4a",
        "etag": obj.etag,
        "version_id": "v1",
        "size": obj.size,
        "media_format": "m4a",
        "transcript_bucket": BUCKET,
        "transcript_key": naming.transcript_key(job),
        "subtitle_keys": {"srt": naming.subtitle_key(job, "srt"), "vtt": naming.subtitle_key(job, "vtt")},
        "language_code": None,
        "identify_language": True,
        "language_options": ["en-US", "de-DE"],
        "max_speaker_labels": 3,
        "audio_seconds": 1234.568,
        "deferred_execution": False,
        "started_at": started.isoformat(timespec="seconds"),
    }


def test_job_record_with_a_fixed_language() -> None:
    request = jobs.build_start_request(audio(), "mp3", settings(LANGUAGE_CODE="de-DE"))
    record = jobs.job_record(audio(), request, datetime.now(UTC))
    assert (record["language_code"], record["identify_language"], record["language_options"]) == ("de-DE", False, [])
    assert record["max_speaker_labels"] == 0
    assert record["audio_seconds"] is None  # not measured


def test_job_record_says_when_the_job_may_wait_in_the_queue() -> None:
    request = jobs.build_start_request(audio(), "mp3", settings(DATA_ACCESS_ROLE_ARN=ROLE))
    assert jobs.job_record(audio(), request, datetime.now(UTC))["deferred_execution"] is True


# --- the length cap -------------------------------------------------------------------------------------------------


def test_the_cap_defaults_to_two_hours_and_takes_up_to_transcribes_four() -> None:
    assert settings().max_audio_seconds == 7200 == jobs.DEFAULT_MAX_AUDIO_SECONDS
    assert settings(MAX_AUDIO_SECONDS="14400").max_audio_seconds == jobs.MAX_MEDIA_SECONDS
    assert settings(MAX_AUDIO_SECONDS="1").max_audio_seconds == 1


@pytest.mark.parametrize("value", ["0", "14401", "-5", "2h", "7200.5"])
def test_an_invalid_cap_names_the_variable(value: str) -> None:
    with pytest.raises(ConfigError, match="MAX_AUDIO_SECONDS"):
        settings(MAX_AUDIO_SECONDS=value)


@pytest.mark.parametrize(("seconds", "rejected"), [(None, False), (0.0, False), (3600.0, False), (3600.001, True)])
def test_only_a_measured_length_over_the_cap_is_rejected(seconds: float | None, rejected: bool) -> None:
    verdict = jobs.check_duration(seconds, "test header", settings(MAX_AUDIO_SECONDS="3600"))
    assert (verdict is not None) is rejected


def test_too_long_says_how_long_what_the_cap_is_and_which_variable_raises_it() -> None:
    verdict = jobs.check_duration(9045.25, "MP3 frame count from the Xing header", settings())
    assert verdict is not None
    assert verdict.reason == jobs.TOO_LONG == "too-long"
    assert "2 h 30 min 45 s" in verdict.detail
    assert "9045.2 s" in verdict.detail
    assert "Xing" in verdict.detail
    assert "2 h 00 min 00 s (7200 s)" in verdict.detail
    assert "max_audio_seconds" in verdict.detail
    assert "MAX_AUDIO_SECONDS" in verdict.detail
    assert dict(verdict.facts) == {"duration_seconds": 9045.25, "max_audio_seconds": 7200}


def test_at_transcribes_own_limit_the_advice_is_to_split_the_file() -> None:
    verdict = jobs.check_duration(20000.0, "x", settings(MAX_AUDIO_SECONDS="14400"))
    assert verdict is not None
    assert "split" in verdict.detail
    assert "max_audio_seconds" not in verdict.detail


# --- deferred execution and the output key --------------------------------------------------------------------------

ROLE = "arn:aws:iam::123456789012:role/talks-transcribe-data-access"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_neither_queueing_nor_an_output_key_by_default() -> None:
    request = jobs.build_start_request(audio(), "mp3", settings())
    assert "JobExecutionSettings" not in request
    assert "OutputEncryptionKMSKeyId" not in request


def test_a_data_access_role_lets_jobs_wait_in_the_queue() -> None:
    request = jobs.build_start_request(audio(), "mp3", settings(DATA_ACCESS_ROLE_ARN=ROLE))
    # With AllowDeferredExecution, DataAccessRoleArn is required (and the other way round).
    assert request["JobExecutionSettings"] == {"AllowDeferredExecution": True, "DataAccessRoleArn": ROLE}
    validate_parameters(request, START_INPUT)


def test_an_output_key_makes_transcribe_encrypt_its_output_with_it() -> None:
    request = jobs.build_start_request(audio(), "mp3", settings(OUTPUT_KMS_KEY_ARN=KEY, DATA_ACCESS_ROLE_ARN=ROLE))
    assert request["OutputEncryptionKMSKeyId"] == KEY
    validate_parameters(request, START_INPUT)
    key_pattern = re.compile(_TRANSCRIBE.shape_for("KMSKeyId").metadata["pattern"])
    assert key_pattern.match(KEY)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATA_ACCESS_ROLE_ARN", "talks-transcribe-data-access"),
        ("DATA_ACCESS_ROLE_ARN", "arn:aws:iam::123456789012:user/someone"),
        ("OUTPUT_KMS_KEY_ARN", "1234abcd-12ab-34cd-56ef-1234567890ab"),
        ("OUTPUT_KMS_KEY_ARN", "arn:aws:s3:::talks-transcripts"),
    ],
)
def test_malformed_arns_name_the_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        settings(**{variable: value})
