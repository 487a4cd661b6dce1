"""The transcription function against moto's S3 and Transcribe: the jobs it starts, the records it writes, and what it
does with rejected uploads, retried events and throttling."""

from __future__ import annotations

import copy
import io
import json
import logging
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus, unquote_plus

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws

from pipeline_core import aws, naming
from pipeline_core.config import ConfigError
from start_transcription import handler as function
from start_transcription import jobs

AUDIO = "audio-uploads-test"
TRANSCRIPTS = "transcripts-test"
SAMPLE_EVENT = json.loads((Path(__file__).parents[1] / "fixtures" / "s3_event_put_lambda_docs.json").read_text())
MP3_BYTES = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(range(256)) * 4
SAMPLE_TALK = (Path(__file__).parents[2] / "demo" / "sample-talk.mp3").read_bytes()  # 31.6 s
ROLE = "arn:aws:iam::123456789012:role/talks-transcribe-data-access"
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
FEATURE_VARIABLES = ("MAX_AUDIO_SECONDS", "DATA_ACCESS_ROLE_ARN", "OUTPUT_KMS_KEY_ARN")


@pytest.fixture
def env(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TRANSCRIPT_BUCKET", TRANSCRIPTS)
    for name in ("LANGUAGE_CODE", "LANGUAGE_OPTIONS", "MAX_SPEAKER_LABELS", "LOG_LEVEL", *FEATURE_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    function.settings.cache_clear()
    yield
    function.settings.cache_clear()


@pytest.fixture
def s3(env: None) -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket=AUDIO)
        client.create_bucket(Bucket=TRANSCRIPTS)
        yield client


@pytest.fixture
def transcribe(s3: Any) -> Any:
    return boto3.client("transcribe")


def s3_record(key: str, *, size: int | None, etag: str, version_id: str | None = None) -> dict[str, Any]:
    """A record shaped like the documented sample, for an object in the audio bucket (key URL-encoded as S3 does)."""
    record = copy.deepcopy(SAMPLE_EVENT["Records"][0])
    record["s3"]["bucket"]["name"] = AUDIO
    record["s3"]["bucket"]["arn"] = f"arn:aws:s3:::{AUDIO}"
    obj = record["s3"]["object"]
    obj["key"] = quote_plus(key, safe="/")
    obj["eTag"] = etag
    if size is None:
        del obj["size"]
    else:
        obj["size"] = size
    if version_id:
        obj["versionId"] = version_id
    return record


def upload(s3: Any, key: str, body: bytes = MP3_BYTES) -> dict[str, Any]:
    """Put the object and return the record of the event S3 would send for it."""
    response = s3.put_object(Bucket=AUDIO, Key=key, Body=body)
    return s3_record(key, size=len(body), etag=response["ETag"].strip('"'), version_id=response.get("VersionId"))


def event(*records: dict[str, Any]) -> dict[str, Any]:
    return {"Records": list(records)}


def decoded_key(record: dict[str, Any]) -> str:
    return unquote_plus(record["s3"]["object"]["key"])


def job_of(record: dict[str, Any]) -> str:
    obj = record["s3"]["object"]
    return naming.job_name(AUDIO, decoded_key(record), obj["eTag"])


def read_json(s3: Any, key: str) -> dict[str, Any]:
    return json.loads(s3.get_object(Bucket=TRANSCRIPTS, Key=key)["Body"].read())


def keys(s3: Any, prefix: str) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=TRANSCRIPTS, Prefix=prefix).get("Contents", [])]


def job_names(transcribe: Any) -> list[str]:
    return sorted(
        job["TranscriptionJobName"] for job in transcribe.list_transcription_jobs()["TranscriptionJobSummaries"]
    )


def invoke(evt: dict[str, Any]) -> dict[str, Any]:
    return function.handler(evt, None)


class FailingOnce:
    """The moto Transcribe client, except that starting the named jobs fails once with the given error code."""

    def __init__(self, real: Any, code: str, names: set[str], message: str | None = None) -> None:
        self.real, self.code, self.pending = real, code, set(names)
        self.message = message or f"simulated {code}"

    def start_transcription_job(self, **request: Any) -> Any:
        name = request["TranscriptionJobName"]
        if name in self.pending:
            self.pending.discard(name)
            error = {"Error": {"Code": self.code, "Message": self.message}}
            raise ClientError(error, "StartTranscriptionJob")  # type: ignore[arg-type]
        return self.real.start_transcription_job(**request)


# --- the job that is started ------------------------------------------------------------------------------------------


def test_starts_one_job_whose_transcript_and_subtitles_share_a_base_name(s3: Any, transcribe: Any) -> None:
    key = "talks/Mein Vortrag + Q&A 🎤.MP3"
    record = upload(s3, key)
    job = job_of(record)

    summary = invoke(event(record))

    assert summary["started"] == [job]
    assert summary["counts"] == {"started": 1, "already_started": 0, "rejected": 0, "skipped": 0}
    started = transcribe.get_transcription_job(TranscriptionJobName=job)["TranscriptionJob"]
    assert started["Media"] == {"MediaFileUri": f"s3://{AUDIO}/{key}"}
    assert started["MediaFormat"] == "mp3"
    assert started["IdentifyLanguage"] is True
    assert started["Subtitles"]["Formats"] == ["srt", "vtt"]
    assert started["Subtitles"]["OutputStartIndex"] == 1

    # moto moves the job on with each read; once completed it reports where the files were written.
    for _ in range(5):
        started = transcribe.get_transcription_job(TranscriptionJobName=job)["TranscriptionJob"]
        if started["TranscriptionJobStatus"] == "COMPLETED":
            break
    base = f"/{TRANSCRIPTS}/{naming.transcript_key(job).removesuffix('.json')}"
    assert started["Transcript"]["TranscriptFileUri"].endswith(f"{base}.json")
    assert sorted(started["Subtitles"]["SubtitleFileUris"]) == sorted(
        started["Transcript"]["TranscriptFileUri"].removesuffix(".json") + suffix for suffix in (".srt", ".vtt")
    )


def test_writes_the_job_record_the_image_function_reads(s3: Any) -> None:
    key = "talks/Vortrag 🎤.wav"
    record = upload(s3, key)
    job = job_of(record)

    invoke(event(record))

    stored = s3.get_object(Bucket=TRANSCRIPTS, Key=naming.job_record_key(job))
    assert stored["ContentType"] == "application/json"
    written = json.loads(stored["Body"].read())
    assert written["job_name"] == job
    assert (written["audio_bucket"], written["audio_key"]) == (AUDIO, key)
    assert written["etag"] == record["s3"]["object"]["eTag"]
    assert written["media_format"] == "wav"
    assert written["transcript_key"] == naming.transcript_key(job)
    assert written["subtitle_keys"] == {"srt": naming.subtitle_key(job, "srt"), "vtt": naming.subtitle_key(job, "vtt")}
    assert keys(s3, "errors/") == []


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANGUAGE_CODE": "de-DE"}, {"LanguageCode": "de-DE"}),
        ({"LANGUAGE_OPTIONS": "en-US,es-US"}, {"IdentifyLanguage": True, "LanguageOptions": ["en-US", "es-US"]}),
        ({"MAX_SPEAKER_LABELS": "4"}, {"Settings": {"ShowSpeakerLabels": True, "MaxSpeakerLabels": 4}}),
    ],
)
def test_settings_from_the_environment_reach_the_job(
    s3: Any, transcribe: Any, monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], expected: dict[str, Any]
) -> None:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    record = upload(s3, "talk.flac")

    invoke(event(record))

    started = transcribe.get_transcription_job(TranscriptionJobName=job_of(record))["TranscriptionJob"]
    assert {name: started.get(name) for name in expected} == expected
    if "LanguageCode" in expected:
        assert "IdentifyLanguage" not in started


def test_invalid_configuration_names_the_variable_and_starts_nothing(
    s3: Any, transcribe: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANGUAGE_CODE", "english")
    record = upload(s3, "talk.mp3")

    with pytest.raises(ConfigError, match="LANGUAGE_CODE"):
        invoke(event(record))

    assert job_names(transcribe) == []
    assert keys(s3, "") == []


# --- rejected uploads -------------------------------------------------------------------------------------------------


def test_bad_records_are_rejected_and_the_good_one_is_not_lost(
    s3: Any, transcribe: Any, logged: list[logging.LogRecord]
) -> None:
    text = upload(s3, "uploads/notes.txt", b"not audio")
    empty = upload(s3, "uploads/silence.wav", b"")
    deleted = upload(s3, "uploads/deleted.ogg")
    s3.delete_object(Bucket=AUDIO, Key="uploads/deleted.ogg")
    good = upload(s3, "uploads/talk.webm")

    summary = invoke(event(text, empty, deleted, good))

    assert summary["started"] == [job_of(good)]
    assert summary["rejected"] == [job_of(text), job_of(empty), job_of(deleted)]
    assert job_names(transcribe) == [job_of(good)]
    assert keys(s3, "jobs/") == [naming.job_record_key(job_of(good))]
    for record, reason in [(text, jobs.UNSUPPORTED_FORMAT), (empty, jobs.EMPTY_OBJECT), (deleted, jobs.OBJECT_MISSING)]:
        job = job_of(record)
        stored = s3.get_object(Bucket=TRANSCRIPTS, Key=naming.rejection_key(job))
        assert stored["ContentType"] == "application/json"
        rejection = json.loads(stored["Body"].read())
        assert (rejection["reason"], rejection["job_name"], rejection["stage"]) == (reason, job, "transcription")
        assert (rejection["bucket"], rejection["key"]) == (AUDIO, decoded_key(record))
        assert rejection["detail"]
        # ... and one structured warning that names the upload, the reason and where the record is.
        (warning,) = [r.fields for r in logged if r.levelno == logging.WARNING and r.fields["job_name"] == job]  # type: ignore[attr-defined]
        assert (warning["reason"], warning["bucket"], warning["key"]) == (reason, AUDIO, decoded_key(record))
        assert (warning["rejection_bucket"], warning["rejection_key"]) == (TRANSCRIPTS, naming.rejection_key(job))


def test_size_missing_from_the_event_is_read_from_s3(s3: Any, transcribe: Any) -> None:
    empty = upload(s3, "quiet.mp3", b"")
    del empty["s3"]["object"]["size"]
    audio = upload(s3, "loud.mp3")
    del audio["s3"]["object"]["size"]

    summary = invoke(event(empty, audio))

    assert (summary["rejected"], summary["started"]) == ([job_of(empty)], [job_of(audio)])
    assert read_json(s3, naming.rejection_key(job_of(empty)))["reason"] == jobs.EMPTY_OBJECT
    assert read_json(s3, naming.job_record_key(job_of(audio)))["size"] == len(MP3_BYTES)


def test_transcribe_refusing_the_request_is_a_rejection_not_a_retry(s3: Any, transcribe: Any) -> None:
    record = upload(s3, "talk.mp3")
    job = job_of(record)

    with aws.override("transcribe", FailingOnce(transcribe, "BadRequestException", {job})):
        summary = invoke(event(record))

    assert summary["rejected"] == [job]
    rejection = read_json(s3, naming.rejection_key(job))
    assert rejection["reason"] == jobs.REQUEST_REJECTED
    assert rejection["detail"] == "simulated BadRequestException"
    assert keys(s3, "jobs/") == []


@pytest.mark.parametrize(
    "message",
    [
        # The text Transcribe answers when it cannot read the media with the caller's permissions (failures.py).
        "The S3 URI that you provided can't be accessed. Make sure that you have read permission and try your "
        "request again.",
        "The KMS key you specified is not accessible.",
        "Amazon Transcribe can't assume the DataAccessRole you provided.",
    ],
)
def test_transcribe_refusing_access_is_retried_not_rejected(s3: Any, transcribe: Any, message: str) -> None:
    record = upload(s3, "talk.mp3")
    job = job_of(record)

    with aws.override("transcribe", FailingOnce(transcribe, "BadRequestException", {job}, message)):
        with pytest.raises(function.RecordsFailedError, match="BadRequestException"):
            invoke(event(record))
        assert keys(s3, "errors/") == []  # nothing final: the retry or the re-drive starts the job
        assert invoke(event(record))["started"] == [job]


def test_overwritten_object_is_left_to_its_own_newer_event(s3: Any, transcribe: Any) -> None:
    old = upload(s3, "talk.mp3")
    new = upload(s3, "talk.mp3", MP3_BYTES + b"more")

    assert invoke(event(old))["skipped"] == [job_of(old)]
    assert invoke(event(new))["started"] == [job_of(new)]
    assert job_names(transcribe) == [job_of(new)]
    assert keys(s3, "errors/") == []


def test_versioned_bucket_reupload_of_the_same_bytes_is_a_no_op(s3: Any, transcribe: Any) -> None:
    s3.put_bucket_versioning(Bucket=AUDIO, VersioningConfiguration={"Status": "Enabled"})
    first = upload(s3, "talk.mp3")
    assert invoke(event(first))["started"] == [job_of(first)]
    second = upload(s3, "talk.mp3")  # the same bytes again: same ETag, new version
    assert first["s3"]["object"]["versionId"] != second["s3"]["object"]["versionId"]

    assert invoke(event(second))["already_started"] == [job_of(first)]
    assert job_names(transcribe) == [job_of(first)]  # nothing is transcribed (or illustrated) twice
    # The job record still names the version that started the job.
    assert read_json(s3, naming.job_record_key(job_of(first)))["version_id"] == first["s3"]["object"]["versionId"]

    changed = upload(s3, "talk.mp3", MP3_BYTES + b"new content")  # new content under the same key: a new job
    assert invoke(event(changed))["started"] == [job_of(changed)]
    assert job_names(transcribe) == sorted([job_of(first), job_of(changed)])


def test_events_without_usable_records(s3: Any, transcribe: Any) -> None:
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2024-01-01T00:00:00Z", "Bucket": AUDIO}
    assert invoke(test_event)["counts"] == {"started": 0, "already_started": 0, "rejected": 0, "skipped": 0}

    good = upload(s3, "talk.amr")
    removed = copy.deepcopy(good)
    removed["eventName"] = "ObjectRemoved:Delete"
    summary = invoke(event({"eventSource": "aws:sqs"}, removed, good))

    assert summary["skipped"] == ["record-0", job_of(good)]
    assert summary["started"] == [job_of(good)]
    assert keys(s3, "errors/") == []


# --- idempotency and retries ------------------------------------------------------------------------------------------


def test_second_invocation_finds_the_job_already_started_and_keeps_its_record(s3: Any, transcribe: Any) -> None:
    record = upload(s3, "talk.mp4")
    job = job_of(record)
    invoke(event(record))
    first = read_json(s3, naming.job_record_key(job))
    # Mark the stored record, to see whether the second attempt writes over it.
    marked = {**first, "started_at": "2000-01-01T00:00:00+00:00"}
    s3.put_object(Bucket=TRANSCRIPTS, Key=naming.job_record_key(job), Body=json.dumps(marked).encode())

    summary = invoke(event(record))  # S3 delivered the event again, or Lambda retried it

    assert summary["already_started"] == [job]
    assert summary["started"] == []
    assert job_names(transcribe) == [job]
    assert read_json(s3, naming.job_record_key(job)) == marked


def test_already_started_job_gets_its_record_if_the_first_attempt_died_before_writing_it(
    s3: Any, transcribe: Any
) -> None:
    record = upload(s3, "talk.m4a")
    job = job_of(record)
    invoke(event(record))
    s3.delete_object(Bucket=TRANSCRIPTS, Key=naming.job_record_key(job))

    assert invoke(event(record))["already_started"] == [job]
    assert read_json(s3, naming.job_record_key(job))["audio_key"] == "talk.m4a"


@pytest.mark.parametrize(
    "code", ["LimitExceededException", "ThrottlingException", "InternalFailureException", "AccessDeniedException"]
)
def test_retryable_failure_is_raised_after_the_other_records_and_the_retry_completes_the_event(
    s3: Any, transcribe: Any, code: str
) -> None:
    throttled, fine = upload(s3, "first.mp3"), upload(s3, "second.wav")
    evt = event(throttled, fine)

    with aws.override("transcribe", FailingOnce(transcribe, code, {job_of(throttled)})):
        with pytest.raises(function.RecordsFailedError, match=code) as raised:
            invoke(evt)
        assert job_of(throttled) in str(raised.value)
        assert isinstance(raised.value.__cause__, ClientError)
        assert raised.value.__cause__.response["Error"]["Code"] == code
        # The other record was not held back by the failure.
        assert job_names(transcribe) == [job_of(fine)]
        assert keys(s3, "jobs/") == [naming.job_record_key(job_of(fine))]

        # Lambda's async retry sends the same event again: the failed record starts, the other is a no-op.
        summary = invoke(evt)

    assert (summary["started"], summary["already_started"]) == ([job_of(throttled)], [job_of(fine)])
    assert job_names(transcribe) == sorted([job_of(throttled), job_of(fine)])
    assert keys(s3, "errors/") == []


def test_throttling_from_the_service_propagates(s3: Any) -> None:
    record = upload(s3, "talk.ogg")
    client = boto3.client("transcribe")
    with Stubber(client) as stub, aws.override("transcribe", client):
        stub.add_client_error(
            "start_transcription_job",
            service_error_code="ThrottlingException",
            service_message="Rate exceeded",
            http_status_code=400,
        )
        with pytest.raises(function.RecordsFailedError, match="ThrottlingException"):
            invoke(event(record))
        stub.assert_no_pending_responses()
    assert keys(s3, "") == []


# --- the length cap -------------------------------------------------------------------------------------------------


def wav_bytes(seconds: float, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\x00\x00" * int(seconds * rate))
    return buffer.getvalue()


class Recording:
    """A real client that records the calls made through it (and can fail some of them)."""

    def __init__(self, real: Any, fail: dict[str, str] | None = None) -> None:
        self.real, self.fail = real, dict(fail or {})
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.real, name)

        def call(**kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            if name in self.fail:
                error = {"Error": {"Code": self.fail[name], "Message": f"simulated {self.fail[name]}"}}
                raise ClientError(error, name)  # type: ignore[arg-type]
            return method(**kwargs)

        return call

    def made(self, name: str) -> list[dict[str, Any]]:
        return [kwargs for called, kwargs in self.calls if called == name]


def test_audio_longer_than_the_cap_is_rejected_before_any_job_with_the_length_and_the_variable(
    s3: Any, transcribe: Any, monkeypatch: pytest.MonkeyPatch, logged: list[logging.LogRecord]
) -> None:
    monkeypatch.setenv("MAX_AUDIO_SECONDS", "30")
    record = upload(s3, "talks/sample-talk.mp3", SAMPLE_TALK)
    job = job_of(record)

    with aws.override("s3", Recording(boto3.client("s3"))) as recording:
        summary = invoke(event(record))

    assert summary["rejected"] == [job]
    assert job_names(transcribe) == []
    assert keys(s3, "jobs/") == []
    rejection = read_json(s3, naming.rejection_key(job))
    assert rejection["reason"] == jobs.TOO_LONG == "too-long"
    assert "31.6 s" in rejection["detail"]
    assert "30 s" in rejection["detail"]
    assert "max_audio_seconds" in rejection["detail"]
    assert rejection["duration_seconds"] == pytest.approx(31.6, abs=0.1)
    assert rejection["max_audio_seconds"] == 30
    # The cost of measuring: ranged GETs of the upload's head, at most two of at most 64 KB.
    ranged = recording.made("get_object")
    assert 1 <= len(ranged) <= 2
    for call in ranged:
        first, last = (int(n) for n in call["Range"].removeprefix("bytes=").split("-"))
        assert (call["Bucket"], call["Key"]) == (AUDIO, "talks/sample-talk.mp3")
        assert last - first + 1 <= 64 * 1024
    (warning,) = [r.fields for r in logged if r.levelno == logging.WARNING]  # type: ignore[attr-defined]
    assert (warning["reason"], warning["duration_seconds"], warning["max_audio_seconds"]) == ("too-long", 31.644, 30)


def test_audio_within_the_cap_starts_its_job_and_the_record_keeps_the_length(
    s3: Any, transcribe: Any, monkeypatch: pytest.MonkeyPatch, logged: list[logging.LogRecord]
) -> None:
    monkeypatch.setenv("MAX_AUDIO_SECONDS", "32")
    talk, clip = upload(s3, "talks/sample-talk.mp3", SAMPLE_TALK), upload(s3, "clips/clip.WAV", wav_bytes(3.0))

    summary = invoke(event(talk, clip))

    assert summary["started"] == [job_of(talk), job_of(clip)]
    assert read_json(s3, naming.job_record_key(job_of(talk)))["audio_seconds"] == pytest.approx(31.6, abs=0.1)
    assert read_json(s3, naming.job_record_key(job_of(clip)))["audio_seconds"] == pytest.approx(3.0)
    started = [r.fields for r in logged if r.getMessage() == "transcription job started"]  # type: ignore[attr-defined]
    assert [line["audio_seconds"] for line in started] == [pytest.approx(31.644), pytest.approx(3.0)]


def test_the_default_cap_is_two_hours(s3: Any, transcribe: Any) -> None:
    long_clip = upload(s3, "long.wav", wav_bytes(7201.0, rate=100))  # 7201 s at 100 Hz: 1.4 MB
    short_clip = upload(s3, "short.wav", wav_bytes(7199.0, rate=100))

    summary = invoke(event(long_clip, short_clip))

    assert (summary["rejected"], summary["started"]) == ([job_of(long_clip)], [job_of(short_clip)])
    assert "2 h 00 min 01 s" in read_json(s3, naming.rejection_key(job_of(long_clip)))["detail"]


def test_unknown_length_leaves_the_decision_to_transcribe(
    s3: Any, transcribe: Any, monkeypatch: pytest.MonkeyPatch, logged: list[logging.LogRecord]
) -> None:
    monkeypatch.setenv("MAX_AUDIO_SECONDS", "1")
    record = upload(s3, "talk.mp3")  # an ID3 tag and no MPEG frames

    assert invoke(event(record))["started"] == [job_of(record)]
    assert read_json(s3, naming.job_record_key(job_of(record)))["audio_seconds"] is None
    (line,) = [r for r in logged if r.getMessage() == "audio length unknown; Amazon Transcribe decides"]
    assert line.levelno == logging.INFO
    assert (line.fields["job_name"], line.fields["container"]) == (job_of(record), "mp3")  # type: ignore[attr-defined]
    assert line.fields["why"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("code", ["AccessDenied", "KMS.DisabledException", "SlowDown"])
def test_a_failed_read_of_the_header_is_retried_not_skipped(
    s3: Any, transcribe: Any, monkeypatch: pytest.MonkeyPatch, code: str
) -> None:
    # Without s3:GetObjectVersion the versioned ranged GET is denied; the cap must not be skipped because of it.
    monkeypatch.setenv("MAX_AUDIO_SECONDS", "1")
    record = upload(s3, "talk.wav", wav_bytes(5.0))

    failing = Recording(boto3.client("s3"), fail={"get_object": code})
    with aws.override("s3", failing), pytest.raises(function.RecordsFailedError, match=code):
        invoke(event(record))

    assert job_names(transcribe) == []  # no unmeasured job
    assert keys(s3, "errors/") == []  # and no rejection: the retry (or the re-drive) measures it
    assert invoke(event(record))["rejected"] == [job_of(record)]  # once readable, the cap applies
    assert read_json(s3, naming.rejection_key(job_of(record)))["reason"] == jobs.TOO_LONG


def test_an_object_replaced_while_its_header_is_read_starts_unmeasured(
    s3: Any, transcribe: Any, monkeypatch: pytest.MonkeyPatch, logged: list[logging.LogRecord]
) -> None:
    monkeypatch.setenv("MAX_AUDIO_SECONDS", "1")
    record = upload(s3, "talk.wav", wav_bytes(5.0))

    with aws.override("s3", Recording(boto3.client("s3"), fail={"get_object": "PreconditionFailed"})):
        summary = invoke(event(record))

    assert summary["started"] == [job_of(record)]
    (warning,) = [r.fields for r in logged if r.levelno == logging.WARNING]  # type: ignore[attr-defined]
    assert warning["error"] == "PreconditionFailed"


def test_the_read_is_pinned_to_the_version_the_event_names(s3: Any, transcribe: Any) -> None:
    s3.put_bucket_versioning(Bucket=AUDIO, VersioningConfiguration={"Status": "Enabled"})
    versioned = upload(s3, "talk.wav", wav_bytes(2.0))
    plain = copy.deepcopy(versioned)
    del plain["s3"]["object"]["versionId"]

    with aws.override("s3", Recording(boto3.client("s3"))) as recording:
        invoke(event(versioned))
        invoke(event(plain))

    by_version, by_etag = recording.made("get_object")
    assert by_version["VersionId"] == versioned["s3"]["object"]["versionId"]
    assert by_etag["IfMatch"] == f'"{plain["s3"]["object"]["eTag"]}"'


# --- deferred execution and the output key --------------------------------------------------------------------------


def test_deferred_execution_and_the_output_key_reach_the_request(
    s3: Any, transcribe: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATA_ACCESS_ROLE_ARN", ROLE)
    monkeypatch.setenv("OUTPUT_KMS_KEY_ARN", KEY)
    record = upload(s3, "talk.wav", wav_bytes(1.0))

    with aws.override("transcribe", Recording(transcribe)) as recording:
        assert invoke(event(record))["started"] == [job_of(record)]

    (request,) = recording.made("start_transcription_job")
    assert request["JobExecutionSettings"] == {"AllowDeferredExecution": True, "DataAccessRoleArn": ROLE}
    assert request["OutputEncryptionKMSKeyId"] == KEY
    assert read_json(s3, naming.job_record_key(job_of(record)))["deferred_execution"] is True


def test_without_them_the_request_has_neither(s3: Any, transcribe: Any) -> None:
    record = upload(s3, "talk.wav", wav_bytes(1.0))

    with aws.override("transcribe", Recording(transcribe)) as recording:
        invoke(event(record))

    (request,) = recording.made("start_transcription_job")
    assert "JobExecutionSettings" not in request
    assert "OutputEncryptionKMSKeyId" not in request


# --- failed Transcribe jobs -----------------------------------------------------------------------------------------

FAILURE = "Failed to parse audio file. Make sure the file is valid and try your request again."


def job_state_change(job: str, status: str = "FAILED", reason: str | None = FAILURE) -> dict[str, Any]:
    detail: dict[str, Any] = {"TranscriptionJobName": job, "TranscriptionJobStatus": status}
    if reason:
        detail["FailureReason"] = reason
    return {
        "version": "0",
        "id": "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
        "detail-type": "Transcribe Job State Change",
        "source": "aws.transcribe",
        "account": "123456789012",
        "time": "2025-05-01T12:34:56Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def test_a_failed_job_of_this_pipeline_gets_a_record_under_errors(
    s3: Any, transcribe: Any, logged: list[logging.LogRecord]
) -> None:
    key = "talks/broken 🎤.mp3"
    record = upload(s3, key)
    job = job_of(record)
    invoke(event(record))

    summary = invoke(job_state_change(job))

    assert summary["rejected"] == [job]
    stored = s3.get_object(Bucket=TRANSCRIPTS, Key=naming.rejection_key(job))
    assert stored["ContentType"] == "application/json"
    failure = json.loads(stored["Body"].read())
    assert (failure["reason"], failure["detail"], failure["stage"]) == (
        "transcription-failed",
        FAILURE,
        "transcription",
    )
    assert (failure["bucket"], failure["key"], failure["etag"], failure["job_name"]) == (
        AUDIO,
        key,
        record["s3"]["object"]["eTag"],
        job,
    )
    (warning,) = [r.fields for r in logged if r.getMessage() == "transcription job failed"]  # type: ignore[attr-defined]
    assert (warning["bucket"], warning["key"], warning["job_name"], warning["detail"]) == (AUDIO, key, job, FAILURE)
    assert warning["rejection_key"] == naming.rejection_key(job)

    # EventBridge delivers at least once: the same event again writes the same record, no error.
    assert invoke(job_state_change(job))["rejected"] == [job]


def test_failed_jobs_of_other_applications_are_ignored_with_an_info_line(
    s3: Any, logged: list[logging.LogRecord]
) -> None:
    summary = invoke(job_state_change("someone-elses-job"))

    assert (summary["skipped"], summary["rejected"]) == (["someone-elses-job"], [])
    assert keys(s3, "") == []
    (line,) = [r for r in logged if r.getMessage().startswith("Transcribe job state change ignored")]
    assert line.levelno == logging.INFO
    assert line.fields["job_name"] == "someone-elses-job"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("status", "name"), [("COMPLETED", None), ("FAILED", "../jobs/escape"), ("FAILED", "")])
def test_other_state_changes_and_impossible_names_read_nothing(s3: Any, status: str, name: str | None) -> None:
    record = upload(s3, "talk.mp3")
    invoke(event(record))
    before = keys(s3, "")

    with aws.override("s3", Recording(boto3.client("s3"))) as recording:
        summary = invoke(job_state_change(job_of(record) if name is None else name, status))

    assert summary["counts"]["skipped"] == 1
    assert recording.calls == []
    assert keys(s3, "") == before


def test_a_job_record_that_cannot_be_read_fails_the_event_for_a_retry(s3: Any) -> None:
    record = upload(s3, "talk.mp3")
    invoke(event(record))

    failing = Recording(boto3.client("s3"), fail={"get_object": "AccessDenied"})
    with aws.override("s3", failing), pytest.raises(ClientError, match="AccessDenied"):
        invoke(job_state_change(job_of(record)))
    assert keys(s3, "errors/") == []
