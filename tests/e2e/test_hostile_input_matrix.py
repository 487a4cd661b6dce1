"""Hostile and broken input: one row per case, each with the outcome a user and an operator see.

Every row in ROWS goes through the local stack (upload API stand-in, S3 events, the real handlers with Lambda's
retries and dead-letter queue, the Transcribe and Bedrock stand-ins), all at the same time and next to a normal
upload that must still finish. Each row's test checks its outcome on four counts:

  record     what the user finds: a rejection record under errors/, the manifest's status, or a dead-letter entry
  log        the function's structured log line for the upload
  attempts   how often each function ran for it (1, or 1 + the module's retries before the dead-letter queue)
  others     that the normal upload next to it was processed (the `control` row)

ELSEWHERE lists the cases the local stack cannot produce (another image model family than the stack's) or that
other test files already assert in detail; `test_rows_asserted_elsewhere_exist` keeps those references valid.
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import client
import pytest
from e2e_support import (
    QUICK_IMAGE_SETTINGS,
    ROOT,
    SAMPLE,
    WAIT_SECONDS,
    FaultyTranscribe,
    Response,
    deployment_of,
    distinct_audio,
    http,
    instant_throttle_backoff,
    log_lines,
    transcript_fixture,
)
from local_stack import environment
from local_stack.environment import ILLUSTRATION, TRANSCRIPTION
from local_stack.stack import LocalStack, StackOptions
from local_stack.transcribe_standin import Fixture
from local_stack.upload_api import KEY_LIMIT

from illustrate_scenes import generation
from illustrate_scenes.prompts import prompt_length
from pipeline_core import aws, naming

pytestmark = pytest.mark.e2e

SAMPLE_BYTES = SAMPLE.read_bytes()
MODEL = "stability.stable-image-core-v1:1"  # the stack's image model (the module's default)
MODEL_REGION = "us-west-2"  # where it runs on demand, and so where the function calls Bedrock
MODEL_PROMPT_LIMIT = 10_000
THROTTLE_RETRIES = len(generation.THROTTLE_BACKOFF_SECONDS)  # in-invocation retries of a throttled scene
BLOCKED_PROMPT = (
    "This request has been blocked by our content filters. Please adjust your text prompt to submit a new request."
)

# Markers in an upload's folder that make StartTranscriptionJob fail (see FaultyTranscribe).
TRANSCRIBE_FAULTS = {"quota-reached": "LimitExceededException", "rate-limited": "ThrottlingException"}


# --- transcripts the Transcribe stand-in writes for particular uploads ----------------------------------------------


def three_scenes(middle: str, every: bool = False) -> list[tuple[float, float, str]]:
    """Three 10-second cues, one scene each at SCENE_SECONDS=10; `middle` goes into the second (or every) cue."""
    texts = ["The harbour wakes up slowly.", f"A gull circles the {middle} boats.", "Nets are mended on the quay."]
    if every:
        texts = [f"{text[:-1]} near the {middle} light." for text in texts]
    return [(n * 10.0, n * 10.0 + 9.5, text) for n, text in enumerate(texts)]


def long_speech(seconds: int, cue_seconds: int = 5) -> list[tuple[float, float, str]]:
    return [
        (float(t), t + cue_seconds - 0.5, f"Minute {t // 60} second {t % 60} of the long walk along the shore.")
        for t in range(0, seconds, cue_seconds)
    ]


SILENT = json.loads((ROOT / "tests" / "fixtures" / "handwritten_silent.json").read_text(encoding="utf-8"))
# A long talk at an ordinary pace (one sentence every 3.5 s, about 21 characters a second): with the image cap of
# QUICK_IMAGE_SETTINGS (3) each scene covers about ten minutes of speech, more text than the model's prompt takes.
LONG_TALK = [
    (3.5 * n, 3.5 * n + 3.3, f"Sentence {n} describes the lighthouse keeper's long and winding morning.")
    for n in range(520)
]


def media_for(row_id: str) -> bytes:
    """Distinct bytes per row, so the Transcribe stand-in can tell the uploads apart."""
    return distinct_audio(row_id)


# --- the run: every row's input, then the stack left to finish -------------------------------------------------------


@dataclass
class Upload:
    key: str
    body: bytes
    response: Response | None = None  # the upload API's answer (None: written to S3 directly)


@dataclass
class Run:
    stack: LocalStack
    transcribe: FaultyTranscribe
    scratch: Path  # a temporary folder
    uploads: dict[str, list[Upload]] = field(default_factory=dict)

    # -- input --

    def put(self, row: str, key: str, body: bytes, content_type: str = "audio/mpeg", *, url: str | None = None) -> None:
        """PUT through the upload API stand-in, as curl or the client would."""
        folder, _, name = key.partition("/")
        target = url or client.object_url(self.stack.stage_url, folder, name)
        headers = {"x-api-key": self.stack.api_key, "Content-Type": content_type}
        response = http("PUT", target, body, headers)
        self.uploads.setdefault(row, []).append(Upload(key, body, response))

    def put_s3(self, row: str, key: str, body: bytes) -> None:
        """PutObject straight into the audio bucket (aws s3 cp, or another producer than the API)."""
        self.stack.s3.put_object(Bucket=self.stack.buckets.audio, Key=key, Body=body)
        self.uploads.setdefault(row, []).append(Upload(key, body))

    def transcript(self, body: bytes, fixture: Fixture) -> None:
        assert self.stack.transcribe_stand_in is not None
        self.stack.transcribe_stand_in.register(body, fixture)

    # -- what happened --

    def _records(self, function: str, key: str, etag: str | None) -> Iterator[tuple[Any, dict[str, Any]]]:
        """(invocation, S3 object of the event) for each invocation of `function` naming `key` (and `etag`)."""
        assert self.stack.dispatcher is not None
        for invocation in self.stack.dispatcher.invocations(function):
            for record in invocation.event.get("Records", []):
                obj = record["s3"]["object"]
                if unquote_plus(obj["key"]) == key and etag in (None, obj.get("eTag")):
                    yield invocation, obj
                    break

    def attempts(self, function: str, key: str, etag: str | None = None) -> list[Any]:
        """The invocations of `function` for `key` (an upload's ETag tells two uploads of one key apart)."""
        return [invocation for invocation, _ in self._records(function, key, etag)]

    def jobs(self, key: str, etag: str | None = None) -> list[str]:
        """The job names the transcription function derived for `key`, from the events it got, as it derives them."""
        names = [
            naming.job_name(self.stack.buckets.audio, key, obj["eTag"])
            for _, obj in self._records(TRANSCRIPTION, key, etag)
        ]
        return list(dict.fromkeys(names))

    def logged(self, function: str, message: str, **fields: Any) -> list[dict[str, Any]]:
        return [
            line
            for line in log_lines(self.stack, function)
            if line.get("message") == message and all(line.get(name) == value for name, value in fields.items())
        ]

    def object(self, bucket: str, key: str) -> dict[str, Any] | None:
        found = self.stack.list_keys(bucket, key)
        if key not in found:
            return None
        return json.loads(self.stack.s3.get_object(Bucket=bucket, Key=key)["Body"].read())

    def manifest(self, job: str) -> dict[str, Any] | None:
        return self.object(self.stack.buckets.image, naming.manifest_key(job))

    def dead_letter_records(self, function: str) -> list[dict[str, Any]]:
        """The invocation records in the function's dead-letter queue, left there and visible."""
        messages = self.stack.sqs.receive_message(
            QueueUrl=self.stack.dead_letter_queue_url(function),
            MaxNumberOfMessages=10,
            VisibilityTimeout=0,
            WaitTimeSeconds=0,
        ).get("Messages", [])
        return [json.loads(message["Body"]) for message in messages]

    def bedrock_calls_with(self, word: str) -> int:
        assert self.stack.bedrock_stand_in is not None
        return sum(word in json.dumps(call.request) for call in self.stack.bedrock_stand_in.calls("invoke_model"))


# --- expected outcomes ----------------------------------------------------------------------------------------------


def nothing_downstream(run: Run, job: str) -> None:
    transcripts = run.stack.list_keys(run.stack.buckets.transcript)
    assert naming.job_record_key(job) not in transcripts
    assert naming.transcript_key(job) not in transcripts
    assert job not in run.stack.job_names()
    assert not run.stack.list_keys(run.stack.buckets.image, naming.image_prefix(job))


@dataclass(frozen=True)
class Ignored:
    """The notification's filters send no event: no function runs, nothing is written, no log line."""

    then: Callable[[Run, Upload], None] | None = None
    api_status: int = 200

    def check(self, run: Run, uploads: list[Upload]) -> None:
        for upload in uploads:
            if self.then is not None:
                self.then(run, upload)
            assert upload.response is not None
            assert upload.response.status == self.api_status, upload.response
            assert run.attempts(TRANSCRIPTION, upload.key) == []
            assert not [line for line in log_lines(run.stack, TRANSCRIPTION) if line.get("key") == upload.key]
            for job in client.candidate_jobs(run.stack.buckets.audio, upload.key, {"ETag": md5(upload.body)}):
                assert run.object(run.stack.buckets.transcript, naming.rejection_key(job)) is None
                nothing_downstream(run, job)


@dataclass(frozen=True)
class Refused:
    """The upload API answers an error and stores nothing."""

    status: int
    message: str

    def check(self, run: Run, uploads: list[Upload]) -> None:
        for upload in uploads:
            assert upload.response is not None
            assert (upload.response.status, upload.response.json()) == (self.status, {"message": self.message})
            stored = run.stack.list_keys(run.stack.buckets.audio, upload.key[:100])
            assert upload.key not in stored
            assert run.attempts(TRANSCRIPTION, upload.key) == []


@dataclass(frozen=True)
class Rejected:
    """A rejection record under errors/ with the reason, one WARNING line, one attempt, no job."""

    reason: str

    def check(self, run: Run, uploads: list[Upload]) -> None:
        for upload in uploads:
            assert len(run.attempts(TRANSCRIPTION, upload.key, md5(upload.body))) == 1
            [job] = run.jobs(upload.key, md5(upload.body))
            record = run.object(run.stack.buckets.transcript, naming.rejection_key(job))
            assert record is not None, f"no rejection record for {upload.key}"
            assert (record["reason"], record["key"], record["job_name"]) == (self.reason, upload.key, job)
            [line] = run.logged(TRANSCRIPTION, "upload rejected", key=upload.key)
            assert (line["level"], line["reason"], line["rejection_key"]) == (
                "WARNING",
                self.reason,
                naming.rejection_key(job),
            )
            nothing_downstream(run, job)
            if upload.key in run.stack.list_keys(run.stack.buckets.audio, upload.key):
                # ... and the client, following the upload, reports the rejection with its reason.
                with pytest.raises(client.PipelineError, match=self.reason):
                    client.follow(
                        upload.key, deployment_of(run.stack), run.stack.s3, timeout=WAIT_SECONDS, poll_seconds=0.1
                    )


@dataclass(frozen=True)
class Illustrated:
    """One job, one image-function run, and a final manifest with this status (and whatever `then` checks)."""

    status: str
    then: Callable[[Run, Upload, str, dict[str, Any]], None] | None = None

    def check(self, run: Run, uploads: list[Upload]) -> None:
        for upload in uploads:
            if upload.response is not None:
                assert upload.response.status == 200, upload.response
            [job] = run.jobs(upload.key, md5(upload.body))
            assert naming.JOB_NAME_PATTERN.match(job)
            assert len(run.attempts(TRANSCRIPTION, upload.key, md5(upload.body))) == 1
            assert run.logged(TRANSCRIPTION, "transcription job started", key=upload.key, job_name=job)
            assert len(run.attempts(ILLUSTRATION, naming.transcript_key(job))) == 1
            manifest = run.manifest(job)
            assert manifest is not None, f"no manifest for {upload.key}"
            assert (manifest["status"], manifest["retryable"]) == (self.status, False)
            assert manifest["source_audio_key"] == upload.key
            level = "ERROR" if self.status == "failed" else "INFO"
            message = "transcript not illustrated" if self.status == "failed" else "transcript illustrated"
            [line] = run.logged(ILLUSTRATION, message, job_name=job)
            assert (line["level"], line["status"]) == (level, self.status)
            if self.then is not None:
                self.then(run, upload, job, manifest)


@dataclass(frozen=True)
class DeadLettered:
    """Retried as the module configures it, then the event waits in the function's dead-letter queue as Lambda's
    invocation record, for scripts/redrive.py once the cause is fixed."""

    function: str
    error: str  # in the record's errorMessage and the log
    then: Callable[[Run, Upload], None] | None = None

    def check(self, run: Run, uploads: list[Upload]) -> None:
        for upload in uploads:
            if self.function == TRANSCRIPTION:
                event_key, job = upload.key, None
            else:
                [job] = run.jobs(upload.key)
                event_key = naming.transcript_key(job)
            tries = run.attempts(self.function, event_key)
            assert len(tries) == 1 + environment.MAXIMUM_RETRY_ATTEMPTS[self.function]
            assert all(self.error in (attempt.error or "") for attempt in tries)
            assert len({attempt.request_id for attempt in tries}) == 1  # one event, retried
            [record] = [
                r
                for r in run.dead_letter_records(self.function)
                if event_key in [unquote_plus(x["s3"]["object"]["key"]) for x in r["requestPayload"]["Records"]]
            ]
            assert record["requestContext"]["condition"] == "RetriesExhausted"
            assert record["requestContext"]["approximateInvokeCount"] == len(tries)
            assert self.error in record["responsePayload"]["errorMessage"]
            if self.function == TRANSCRIPTION:
                failed = run.logged(TRANSCRIPTION, "record failed; the event will be retried", key=upload.key)
                assert len(failed) == len(tries)
                assert {line["error"] for line in failed} == {self.error}
                [job] = {line["job_name"] for line in failed}
                nothing_downstream(run, job)
                assert run.object(run.stack.buckets.transcript, naming.rejection_key(job)) is None
            else:
                assert job is not None
                assert len(run.logged(ILLUSTRATION, "transcript not illustrated", job_name=job)) == len(tries)
                manifest = run.manifest(job)
                assert manifest is not None
                assert (manifest["status"], manifest["retryable"]) == ("failed", True)
                assert "dead-letter queue" in manifest["reason"]
            if self.then is not None:
                self.then(run, upload)


@dataclass(frozen=True)
class Skipped:
    """The function ran once, logged why it did nothing, and wrote nothing for this event."""

    function: str
    message: str

    def check(self, run: Run, uploads: list[Upload]) -> None:
        older, newer = uploads  # two uploads of one key, both before the function ran
        [skipped] = run.jobs(older.key, md5(older.body))
        [started] = run.jobs(newer.key, md5(newer.body))
        assert len(run.attempts(self.function, older.key, md5(older.body))) == 1
        assert len(run.attempts(self.function, newer.key, md5(newer.body))) == 1
        [line] = run.logged(self.function, self.message, key=older.key)
        assert (line["level"], line["job_name"]) == ("INFO", skipped)
        nothing_downstream(run, skipped)
        assert run.object(run.stack.buckets.transcript, naming.rejection_key(skipped)) is None
        manifest = run.manifest(started)
        assert manifest is not None
        assert manifest["status"] == "complete"


@dataclass(frozen=True)
class RejectedSaying(Rejected):
    """A rejection record as above whose detail says these things too (figures, the setting to change)."""

    says: tuple[str, ...] = ()
    facts: tuple[tuple[str, Any], ...] = ()

    def check(self, run: Run, uploads: list[Upload]) -> None:
        super().check(run, uploads)
        for upload in uploads:
            [job] = run.jobs(upload.key, md5(upload.body))
            record = run.object(run.stack.buckets.transcript, naming.rejection_key(job))
            assert record is not None
            for text in self.says:
                assert text in record["detail"], (text, record["detail"])
            for name, value in self.facts:
                assert record[name] == value, (name, record[name])


@dataclass(frozen=True)
class TranscriptionFailed:
    """The job started and Amazon Transcribe failed it: its state change event reached the transcription function,
    which wrote errors/<job>.json with Transcribe's reason; no transcript, no image function run."""

    reason: str

    def check(self, run: Run, uploads: list[Upload]) -> None:
        assert run.stack.transcribe_stand_in is not None
        assert run.stack.dispatcher is not None
        for upload in uploads:
            assert len(run.attempts(TRANSCRIPTION, upload.key, md5(upload.body))) == 1
            [job] = run.jobs(upload.key, md5(upload.body))
            assert run.logged(TRANSCRIPTION, "transcription job started", key=upload.key, job_name=job)
            assert run.stack.transcribe_stand_in.failed()[job] == self.reason
            # One EventBridge-shaped invocation for this job, handled without error.
            changes = [
                invocation
                for invocation in run.stack.dispatcher.invocations(TRANSCRIPTION)
                if invocation.event.get("source") == "aws.transcribe"
                and invocation.event["detail"]["TranscriptionJobName"] == job
            ]
            assert [(i.error, i.event["detail"]["TranscriptionJobStatus"]) for i in changes] == [(None, "FAILED")]
            record = run.object(run.stack.buckets.transcript, naming.rejection_key(job))
            assert record is not None, f"no failure record for {upload.key}"
            assert (record["reason"], record["detail"], record["key"], record["job_name"]) == (
                "transcription-failed",
                self.reason,
                upload.key,
                job,
            )
            [line] = run.logged(TRANSCRIPTION, "transcription job failed", job_name=job)
            assert (line["level"], line["key"], line["rejection_key"]) == (
                "WARNING",
                upload.key,
                naming.rejection_key(job),
            )
            assert naming.transcript_key(job) not in run.stack.list_keys(run.stack.buckets.transcript)
            assert run.attempts(ILLUSTRATION, naming.transcript_key(job)) == []
            assert not run.stack.list_keys(run.stack.buckets.image, naming.image_prefix(job))
            # ... and the client, following the upload, reports it with Transcribe's reason.
            with pytest.raises(client.PipelineError, match="transcription-failed"):
                client.follow(
                    upload.key, deployment_of(run.stack), run.stack.s3, timeout=WAIT_SECONDS, poll_seconds=0.1
                )


def md5(body: bytes) -> str:
    return hashlib.md5(body).hexdigest()  # S3's ETag of a single-part upload


def low_bitrate_mp3(seconds: int) -> bytes:
    """MPEG-2.5 Layer III at 8 kbit/s, 8 kHz mono: 72-byte frames of 72 ms, the most audio per uploaded byte MP3
    allows (2 h in 7.2 MB, under the upload API's 10 MB)."""
    frame = b"\xff\xe3\x18\xc0" + bytes(68)
    return frame * (seconds * 8000 // 576)


# --- the details some rows check on top -----------------------------------------------------------------------------


def audio_key_kept(run: Run, upload: Upload, job: str, manifest: dict[str, Any]) -> None:
    """The key was stored exactly as sent, arrived URL-encoded in the event, and is named in every record."""
    head = run.stack.s3.head_object(Bucket=run.stack.buckets.audio, Key=upload.key)
    assert head["ContentLength"] == len(upload.body)
    [raw] = {k for i in run.attempts(TRANSCRIPTION, upload.key) for k in i.keys}
    assert unquote_plus(raw) == upload.key
    if any(char in upload.key for char in " +%") or not upload.key.isascii():
        assert raw != upload.key  # S3 sent it URL-encoded; the handler decoded it
    record = run.object(run.stack.buckets.transcript, naming.job_record_key(job))
    assert record is not None
    assert record["audio_key"] == upload.key
    assert any(scene["status"] == "ok" for scene in manifest["scenes"])
    # The client, following the key as the user typed it, finds the same job and manifest.
    followed = client.follow(upload.key, deployment_of(run.stack), run.stack.s3, timeout=WAIT_SECONDS, poll_seconds=0.1)
    assert (followed.job, followed.manifest) == (job, manifest)


def client_refuses(run: Run, upload: Upload) -> None:
    """scripts/client.py does not even send it."""
    path = run.scratch / upload.key.rpartition("/")[2]
    path.write_bytes(upload.body)
    with pytest.raises(client.UnsupportedFileError, match=r"\.txt"):
        client.check_file(path)


def each_version_has_its_job(run: Run, upload: Upload, job: str, manifest: dict[str, Any]) -> None:
    assert len(run.jobs(upload.key)) == 2  # one per version, neither a ConflictException nor a rejection
    record = run.object(run.stack.buckets.transcript, naming.job_record_key(job))
    assert record is not None
    assert record["etag"] == md5(upload.body)
    assert run.object(run.stack.buckets.transcript, naming.rejection_key(job)) is None


def media_format_mp3(run: Run, upload: Upload, job: str, manifest: dict[str, Any]) -> None:
    record = run.object(run.stack.buckets.transcript, naming.job_record_key(job))
    assert record is not None
    assert record["media_format"] == "mp3"


def long_keys_get_distinct_valid_names(run: Run, upload: Upload, job: str, manifest: dict[str, Any]) -> None:
    assert len(upload.key.encode("utf-8")) == KEY_LIMIT
    assert len(job) <= naming.JOB_NAME_MAX
    others = [u.key for u in run.uploads["key-1024-bytes"] if u.key != upload.key]
    assert others
    assert all(job not in run.jobs(other) for other in others)
    audio_key_kept(run, upload, job, manifest)


def malformed_json_named(run: Run, upload: Upload, job: str, manifest: dict[str, Any]) -> None:
    assert "is not valid JSON" in manifest["reason"]
    assert naming.transcript_key(job) in manifest["reason"]
    assert manifest["scenes"] == []


def no_speech(run: Run, upload: Upload, job: str, manifest: dict[str, Any]) -> None:
    assert (manifest["scenes"], manifest["subtitle_keys"]) == ([], {"srt": None, "vtt": None})
    assert manifest["reason"] == "the transcript contains no speech"


def scenes_lengthened(run: Run, upload: Upload, job: str, manifest: dict[str, Any]) -> None:
    cap = manifest["scene_cap"]
    assert (cap["wanted_scenes"], cap["max_images"]) == (12, 3)  # 120 s of speech at 10 s per scene, 3 images
    assert len(manifest["scenes"]) == 3
    assert all(scene["end"] - scene["start"] > 30 for scene in manifest["scenes"])
    assert all(scene["status"] == "ok" for scene in manifest["scenes"])
    [warning] = [w for w in manifest["warnings"] if w.startswith("scenes lengthened")]
    assert [line["level"] for line in run.logged(ILLUSTRATION, warning, job_name=job)] == ["WARNING"]
    gallery = run.stack.s3.get_object(Bucket=run.stack.buckets.image, Key=naming.gallery_key(job))["Body"].read()
    assert "Scenes lengthened" in gallery.decode("utf-8")


def prompt_shortened(run: Run, upload: Upload, job: str, manifest: dict[str, Any]) -> None:
    assert len(manifest["scenes"]) == 3  # the image cap
    for scene in manifest["scenes"]:
        assert prompt_length(scene["text"]) > MODEL_PROMPT_LIMIT  # the whole text stays in the manifest ...
        assert prompt_length(scene["prompt"]) <= MODEL_PROMPT_LIMIT  # ... the prompt was cut to fit the model
        assert scene["prompt"].endswith((".", "…"))
        assert scene["status"] == "ok"  # the Bedrock stand-in refuses prompts over the limit as the model does


def only_scene_2(status: str, reason: str) -> Callable[[Run, Upload, str, dict[str, Any]], None]:
    def check(run: Run, upload: Upload, job: str, manifest: dict[str, Any]) -> None:
        assert [scene["status"] for scene in manifest["scenes"]] == ["ok", status, "ok"]
        assert reason in manifest["scenes"][1]["reason"]
        assert manifest["scenes"][1]["image_key"] is None
        assert naming.scene_image_key(job, 2) not in run.stack.list_keys(run.stack.buckets.image, job)
        [line] = run.logged(ILLUSTRATION, "scene not illustrated", job_name=job)
        assert (line["scene"], line["status"], line["transient"]) == (2, status, False)
        assert reason in line["reason"]

    return check


def subtitles_ignored(run: Run, upload: Upload, job: str, manifest: dict[str, Any]) -> None:
    assert manifest["scene_source"] == "recut"
    warnings = [w for w in manifest["warnings"] if w.startswith("ignored transcripts/")]
    assert len(warnings) == 2  # the .srt and the .vtt
    for warning in warnings:
        assert run.logged(ILLUSTRATION, warning, job_name=job)


def transcribe_called_once_per_attempt(marker: str) -> Callable[[Run, Upload], None]:
    def check(run: Run, upload: Upload) -> None:
        calls = run.transcribe.calls_for(marker)
        assert len(calls) == len(run.attempts(TRANSCRIPTION, upload.key))  # no storm of StartTranscriptionJob calls

    return check


def bedrock_called_per_scene_and_attempt(word: str, reason: str, retries: int = 0) -> Callable[[Run, Upload], None]:
    """Each scene called once per attempt, plus `retries` in-invocation retries (throttling only)."""

    def check(run: Run, upload: Upload) -> None:
        [job] = run.jobs(upload.key)
        manifest = run.manifest(job)
        assert manifest is not None
        attempts = len(run.attempts(ILLUSTRATION, naming.transcript_key(job)))
        assert run.bedrock_calls_with(word) == attempts * len(manifest["scenes"]) * (1 + retries)
        assert all(reason in scene["reason"] for scene in manifest["scenes"])
        lines = run.logged(ILLUSTRATION, "scene not illustrated", job_name=job)
        assert len(lines) == attempts * len(manifest["scenes"])
        assert all(reason in line["reason"] and line["transient"] for line in lines)

    return check


# --- the matrix -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    id: str
    given: str
    outcome: str
    arrange: Callable[[Run], None]
    expect: Ignored | Refused | Rejected | Illustrated | DeadLettered | Skipped | TranscriptionFailed
    later: Callable[[Run], None] | None = None  # more input, once everything sent before was processed
    see: tuple[str, ...] = ()  # tests that pin the same behaviour at function or unit level


def fixture_upload(row: str, key: str, fixture: Fixture) -> Callable[[Run], None]:
    def arrange(run: Run) -> None:
        body = media_for(row)
        run.transcript(body, fixture)
        run.put(row, key, body)

    return arrange


def sample_upload(row: str, *keys: str) -> Callable[[Run], None]:
    def arrange(run: Run) -> None:
        for key in keys:
            run.put(row, key, SAMPLE_BYTES)

    return arrange


def near_limit_keys() -> list[str]:
    """Two keys of exactly 1024 bytes that differ only in their last character before the extension."""
    stem = "near-limit/" + "long-name-" * 110
    return [stem[: KEY_LIMIT - len(f"{n}.mp3")] + f"{n}.mp3" for n in (1, 2)]


def too_long_key() -> str:
    folder, extension = "too-long/", ".mp3"
    key = folder + "x" * (KEY_LIMIT + 1 - len(folder) - len(extension)) + extension
    assert len(key.encode("utf-8")) == KEY_LIMIT + 1
    return key


def no_folder(run: Run) -> None:
    run.put("no-folder", "solo.mp3", SAMPLE_BYTES, url=f"{run.stack.stage_url}/solo.mp3")


def no_folder_direct(run: Run) -> None:
    run.put_s3("no-folder-direct-to-s3", "root-level.mp3", SAMPLE_BYTES)


def same_key_first(run: Run) -> None:
    run.put("same-key-twice", "twice/take.mp3", SAMPLE_BYTES)


def same_key_second(run: Run) -> None:
    run.put("same-key-twice", "twice/take.mp3", SAMPLE_BYTES + b"\x00 second take")


def overwritten_before_run(run: Run) -> None:
    assert run.stack.dispatcher is not None
    with run.stack.dispatcher.held():
        run.put("overwritten-before-run", "race/take.mp3", SAMPLE_BYTES)
        run.put("overwritten-before-run", "race/take.mp3", SAMPLE_BYTES + b"\x00 newer")


def deleted_before_run(run: Run) -> None:
    assert run.stack.dispatcher is not None
    with run.stack.dispatcher.held():
        run.put("deleted-before-run", "gone/take.mp3", SAMPLE_BYTES)
        run.stack.s3.delete_object(Bucket=run.stack.buckets.audio, Key="gone/take.mp3")


def transcribe_fault(row: str, marker: str) -> Callable[[Run], None]:
    return sample_upload(row, f"{marker}/talk.mp3")


TRANSCRIBE_FAILURE = "Failed to parse audio file. Make sure the file is valid and try your request again."


ROWS = [
    Row(
        "control",
        "a normal upload of the sample talk, sent along with every row below",
        "complete manifest with images",
        sample_upload("control", "control/sample-talk.mp3"),
        Illustrated("complete", audio_key_kept),
    ),
    Row(
        "unsupported-extension",
        "PUT notes.txt through the upload API",
        "stored, but no event: the suffix filters send none, so nothing runs (the client refuses it before sending)",
        lambda run: run.put("unsupported-extension", "misc/notes.txt", b"not audio", "text/plain"),
        Ignored(client_refuses),
        see=(
            "tests/unit/test_client.py::test_unsupported_format_is_refused_before_upload",
            "tests/functions/test_start_transcription_handler.py::test_bad_records_are_rejected_and_the_good_one_is_not_lost",
        ),
    ),
    Row(
        "mixed-case-extension",
        "PUT Talk.Mp3 (neither lower nor upper case)",
        "stored, but no event: S3 suffix filters are case-sensitive and the module filters .mp3 and .MP3 only",
        lambda run: run.put("mixed-case-extension", "misc/Talk.Mp3", SAMPLE_BYTES),
        Ignored(),
    ),
    Row(
        "upper-case-extension",
        "PUT LOUD TALK.MP3",
        "transcribed as mp3 and illustrated",
        sample_upload("upper-case-extension", "loud/LOUD TALK.MP3"),
        Illustrated("complete", media_format_mp3),
        see=("tests/unit/test_start_transcription_jobs.py::test_every_transcribe_format_is_accepted_in_any_case",),
    ),
    Row(
        "only-an-extension",
        "PUT a file named just .mp3",
        "transcribed and illustrated: the name's only extension is its extension, as for the suffix filter",
        sample_upload("only-an-extension", "dotfiles/.mp3"),
        Illustrated("complete"),
        see=(
            "tests/unit/test_pipeline_core_naming.py::test_a_name_that_is_only_an_extension_still_has_that_extension",
        ),
    ),
    Row(
        "zero-byte",
        "PUT an empty silence.mp3",
        "rejection record empty-object (the client refuses an empty file before sending)",
        lambda run: run.put("zero-byte", "rejects/silence.mp3", b""),
        Rejected("empty-object"),
        see=("tests/unit/test_client.py::test_empty_file_is_refused",),
    ),
    Row(
        "key-with-spaces",
        "PUT 'Fall talks/My first talk.mp3'",
        "illustrated; the key arrives URL-encoded (+) in the event and is stored and named as sent",
        sample_upload("key-with-spaces", "Fall talks/My first talk.mp3"),
        Illustrated("complete", audio_key_kept),
    ),
    Row(
        "key-with-plus",
        "PUT 'C++ + Q&A/a+b = c.mp3'",
        "illustrated; '+' arrives as %2B and stays '+', spaces arrive as '+' and become spaces",
        sample_upload("key-with-plus", "C++ + Q&A/a+b = c.mp3"),
        Illustrated("complete", audio_key_kept),
    ),
    Row(
        "key-with-percent",
        "PUT '100% done/50%25 off.mp3' (a literal %25 too)",
        "illustrated; '%' is never decoded twice",
        sample_upload("key-with-percent", "100% done/50%25 off.mp3"),
        Illustrated("complete", audio_key_kept),
    ),
    Row(
        "key-with-emoji",
        "PUT 'talks 🎤/Grüße an Zoë 🎉👩‍👩‍👧.mp3'",
        "illustrated; the job name keeps the readable ASCII part",
        sample_upload("key-with-emoji", "talks 🎤/Grüße an Zoë 🎉👩‍👩‍👧.mp3"),
        Illustrated("complete", audio_key_kept),
    ),
    Row(
        "key-with-hangul",
        "PUT '녹음/회의 기록.mp3'",
        "illustrated; the job name falls back to the extension and the hash",
        sample_upload("key-with-hangul", "녹음/회의 기록.mp3"),
        Illustrated("complete", audio_key_kept),
    ),
    Row(
        "key-1024-bytes",
        "two keys of exactly 1024 bytes (S3's limit), differing only in their last character",
        "two jobs with valid (<= 200 characters) and distinct names, both illustrated",
        sample_upload("key-1024-bytes", *near_limit_keys()),
        Illustrated("complete", long_keys_get_distinct_valid_names),
        see=(
            "tests/unit/test_pipeline_core_naming.py::test_long_keys_that_differ_only_after_the_cut_get_different_names",
        ),
    ),
    Row(
        "key-over-1024-bytes",
        "a key of 1025 bytes",
        "HTTP 400 from the upload API (S3's KeyTooLongError); nothing stored",
        lambda run: run.put("key-over-1024-bytes", too_long_key(), SAMPLE_BYTES),
        Refused(400, "Your key is too long"),
    ),
    Row(
        "no-folder",
        "PUT /solo.mp3 (the API's path is /{folder}/{object})",
        "HTTP 403 Missing Authentication Token, as API Gateway answers for a path it does not have; nothing stored",
        no_folder,
        Refused(403, "Missing Authentication Token"),
    ),
    Row(
        "no-folder-direct-to-s3",
        "PutObject root-level.mp3 at the bucket's root (not through the API)",
        "illustrated: a key without a folder is fine",
        no_folder_direct,
        Illustrated("complete"),
    ),
    Row(
        "same-key-twice",
        "the same key uploaded twice with different content, the second after the first was processed",
        "two versions, two jobs (names differ by ETag: new content under the same key), two manifests; no conflict",
        same_key_first,
        Illustrated("complete", each_version_has_its_job),
        later=same_key_second,
        see=(
            "tests/functions/test_start_transcription_handler.py::test_versioned_bucket_reupload_of_the_same_bytes_is_a_no_op",
        ),
    ),
    Row(
        "overwritten-before-run",
        "the same key uploaded twice before the function ran for the first upload",
        "the older event is skipped with a log line (Transcribe would read the newer bytes); the newer one has its job",
        overwritten_before_run,
        Skipped(TRANSCRIPTION, "object was overwritten since this event; its newer upload has its own event"),
        see=(
            "tests/functions/test_start_transcription_handler.py::test_overwritten_object_is_left_to_its_own_newer_event",
        ),
    ),
    Row(
        "deleted-before-run",
        "an upload deleted before the function ran",
        "rejection record object-missing, no Transcribe job",
        deleted_before_run,
        Rejected("object-missing"),
    ),
    Row(
        "malformed-transcript",
        "Transcribe output that is not JSON",
        "manifest status failed naming the file and the problem; final (no retry), no Bedrock call",
        fixture_upload("malformed-transcript", "broken/talk.mp3", Fixture("broken", b'{"jobName": "x", "resul', {})),
        Illustrated("failed", malformed_json_named),
        see=(
            "tests/functions/test_illustrate_handler.py::test_malformed_transcript_gets_a_failed_manifest_and_no_retry",
        ),
    ),
    Row(
        "malformed-subtitles",
        "a good transcript next to .srt and .vtt files that cannot be parsed",
        "illustrated from the transcript JSON; both files named in the manifest's warnings and in WARNING lines",
        fixture_upload(
            "malformed-subtitles",
            "subs/talk.mp3",
            Fixture(
                "bad-subtitles",
                transcript_fixture("bad-subtitles", three_scenes("red")).transcript,
                {"srt": "1\nnot a timing line\nHello\n", "vtt": "NOT WEBVTT\n"},
            ),
        ),
        Illustrated("complete", subtitles_ignored),
    ),
    Row(
        "no-speech",
        "silent audio: a transcript without words and no subtitle files",
        "manifest status 'no speech', no scenes, no Bedrock call",
        fixture_upload("no-speech", "quiet/silence.mp3", Fixture("silent", SILENT, {})),
        Illustrated("no speech", no_speech),
        see=("tests/functions/test_illustrate_handler.py::test_silent_audio_ends_cleanly_with_no_speech",),
    ),
    Row(
        "longer-than-the-cap",
        "120 s of speech at SCENE_SECONDS=10 with MAX_IMAGES_PER_FILE=3",
        "3 scenes of ~40 s; the manifest's scene_cap and warnings say so, and so do a WARNING line and the gallery",
        fixture_upload("longer-than-the-cap", "long/walk.mp3", transcript_fixture("long", long_speech(120))),
        Illustrated("complete", scenes_lengthened),
        see=(
            "tests/unit/test_illustrate_scenes.py::test_image_cap_reports_when_the_cap_and_not_the_target_set_the_scene_count",
        ),
    ),
    Row(
        "scene-over-prompt-limit",
        f"a {LONG_TALK[-1][1] / 60:.0f}-minute talk under a cap of 3 images: each scene's text is over the "
        f"{MODEL_PROMPT_LIMIT} characters Stable Image Core takes",
        "each prompt is cut at a word or sentence end to fit; the images are made; the manifest keeps the whole text",
        fixture_upload("scene-over-prompt-limit", "wordy/talk.mp3", transcript_fixture("wordy", LONG_TALK)),
        Illustrated("complete", prompt_shortened),
        see=("tests/unit/test_illustrate_prompts.py::test_plain_prompt_respects_each_model_limit_and_keeps_the_style",),
    ),
    Row(
        "too-long",
        "2 h 1 min of 8 kbit/s MP3 (7.3 MB, under the API's 10 MB) with the module's default max_audio_seconds (2 h)",
        "rejection record too-long with the measured length, the cap and the variable to raise; no Transcribe job",
        lambda run: run.put("too-long", "marathon/all-day.mp3", low_bitrate_mp3(2 * 3600 + 60)),
        RejectedSaying(
            "too-long",
            says=("2 h 01 min 00 s", "7200 s", "max_audio_seconds"),
            facts=(("duration_seconds", pytest.approx(7260, abs=0.1)), ("max_audio_seconds", 7200)),
        ),
        see=(
            "tests/functions/test_start_transcription_handler.py::"
            "test_audio_longer_than_the_cap_is_rejected_before_any_job_with_the_length_and_the_variable",
            "tests/unit/test_media_duration.py::test_constant_bitrate_mp3_is_estimated_from_size_and_bitrate",
        ),
    ),
    Row(
        "transcribe-job-failed",
        "Amazon Transcribe fails the job (corrupt audio): the job ends FAILED and writes nothing",
        "the EventBridge state change reaches the transcription function: errors/<job>.json transcription-failed "
        "with Transcribe's FailureReason, a WARNING line; no transcript, no image function run",
        fixture_upload("transcribe-job-failed", "corrupt/talk.mp3", Fixture.failing("corrupt", TRANSCRIBE_FAILURE)),
        TranscriptionFailed(TRANSCRIBE_FAILURE),
        see=(
            "tests/functions/test_start_transcription_handler.py::"
            "test_a_failed_job_of_this_pipeline_gets_a_record_under_errors",
            "tests/functions/test_start_transcription_handler.py::"
            "test_failed_jobs_of_other_applications_are_ignored_with_an_info_line",
        ),
    ),
    Row(
        "transcribe-limit-exceeded",
        "StartTranscriptionJob answers LimitExceededException (too many concurrent jobs)",
        "3 attempts (1 + 2 retries; on AWS the SDK also retries each call twice), an ERROR line each, then the "
        "dead-letter queue; no job, no record",
        transcribe_fault("transcribe-limit-exceeded", "quota-reached"),
        DeadLettered(TRANSCRIPTION, "LimitExceededException", transcribe_called_once_per_attempt("quota-reached")),
        see=(
            "tests/functions/test_start_transcription_handler.py::"
            "test_retryable_failure_is_raised_after_the_other_records_and_the_retry_completes_the_event",
        ),
    ),
    Row(
        "transcribe-throttled",
        "StartTranscriptionJob answers ThrottlingException",
        "as above: retried, then the dead-letter queue",
        transcribe_fault("transcribe-throttled", "rate-limited"),
        DeadLettered(TRANSCRIPTION, "ThrottlingException", transcribe_called_once_per_attempt("rate-limited")),
        see=("tests/functions/test_start_transcription_handler.py::test_throttling_from_the_service_propagates",),
    ),
    Row(
        "bedrock-prompt-filtered",
        "one scene's prompt is blocked: ValidationException 'blocked by our content filters'",
        "manifest partial: that scene filtered with the reason, the others illustrated; final, no retry",
        fixture_upload(
            "bedrock-prompt-filtered", "filter/in.mp3", transcript_fixture("in", three_scenes("blockedprompt"))
        ),
        Illustrated("partial", only_scene_2("filtered", "prompt blocked by content filters")),
        see=("tests/unit/test_illustrate_generation.py::test_content_filter_exception_is_filtered_not_failed",),
    ),
    Row(
        "bedrock-output-filtered",
        "HTTP 200 with finish_reasons ['Filter reason: output image'] and no image",
        "manifest partial: that scene filtered with the reason",
        fixture_upload(
            "bedrock-output-filtered", "filter/out.mp3", transcript_fixture("out", three_scenes("blockedoutput"))
        ),
        Illustrated("partial", only_scene_2("filtered", "blocked by content filters (Filter reason: output image)")),
        see=("tests/unit/test_illustrate_image_models.py::test_stability_responses_for_every_finish_reason",),
    ),
    Row(
        "bedrock-fewer-images",
        "HTTP 200 with finish_reasons [null] but no image",
        "manifest partial: that scene failed, 'the response contained no image'; final, no retry",
        fixture_upload("bedrock-fewer-images", "filter/none.mp3", transcript_fixture("none", three_scenes("noimage"))),
        Illustrated("partial", only_scene_2("failed", "the response contained no image")),
        see=("tests/unit/test_illustrate_image_models.py::test_stability_responses_for_every_finish_reason",),
    ),
    Row(
        "bedrock-throttled",
        "every InvokeModel call answers ThrottlingException",
        "2 attempts (1 + 1 retry), each scene called once plus its in-invocation retries with backoff (plus the "
        "SDK's adaptive retries on AWS), manifest failed and retryable, then the dead-letter queue",
        fixture_upload(
            "bedrock-throttled", "busy/talk.mp3", transcript_fixture("busy", three_scenes("throttleme", True))
        ),
        DeadLettered(
            ILLUSTRATION, "throttled", bedrock_called_per_scene_and_attempt("throttleme", "throttled", THROTTLE_RETRIES)
        ),
        see=(
            "tests/functions/test_illustrate_handler.py::"
            "test_all_scenes_throttled_raises_after_a_retryable_manifest_and_the_retry_finishes",
            "tests/e2e/test_redrive.py::test_image_stage_failing_then_fixed_and_re_driven",
        ),
    ),
    Row(
        "model-access-denied",
        "every InvokeModel call answers AccessDeniedException",
        f"as throttling but one call per scene and attempt, with the reason naming {MODEL}, {MODEL_REGION} and the "
        "IAM action to allow",
        fixture_upload(
            "model-access-denied", "denied/talk.mp3", transcript_fixture("denied", three_scenes("nomodelaccess", True))
        ),
        DeadLettered(
            ILLUSTRATION,
            f"access denied to model {MODEL} in {MODEL_REGION}",
            bedrock_called_per_scene_and_attempt(
                "nomodelaccess",
                f"allow bedrock:InvokeModel on arn:aws:bedrock:{MODEL_REGION}::foundation-model/{MODEL}",
            ),
        ),
        see=("tests/unit/test_illustrate_generation.py::test_access_denied_names_model_region_and_the_fix",),
    ),
]

# Asserted in other files: the local stack cannot produce the input (its Bedrock stand-in answers the configured model
# only), or the case is
# already tested there in full.
ELSEWHERE = {
    "model-end-of-life": (
        "Bedrock answers ResourceNotFoundException 'reached the end of its life': a failed, retryable manifest saying "
        "so, then the dead-letter queue; never a filtered scene",
        "tests/functions/test_illustrate_handler.py::"
        "test_a_model_past_its_end_of_life_fails_the_file_for_the_dead_letter_queue_never_as_filtered",
        "tests/unit/test_illustrate_generation.py::"
        "test_a_model_that_cannot_be_called_fails_retryably_naming_the_active_models",
    ),
    "several-records-one-event": (
        "one event with a good record among bad ones: the good one is processed, each bad one gets its outcome",
        "tests/functions/test_start_transcription_handler.py::test_bad_records_are_rejected_and_the_good_one_is_not_lost",
        "tests/functions/test_illustrate_handler.py::test_one_bad_record_does_not_lose_the_others",
    ),
    "event-delivered-twice": (
        "every S3 event delivered again: no second job, no image written twice",
        "tests/e2e/test_e2e_pipeline.py::test_replaying_every_event_starts_no_job_and_writes_no_image",
    ),
    "payload-over-10-mb": (
        "PUT of more than 10 MB: HTTP 413, nothing stored",
        "tests/e2e/test_e2e_upload_api.py::test_over_10_mb_is_413_and_nothing_is_stored",
    ),
    "not-a-transcript-key": (
        "the .srt, .vtt and write-check files Transcribe writes next to the transcript: skipped",
        "tests/functions/test_illustrate_handler.py::test_other_keys_never_start_work",
    ),
}


def bedrock_rule(stand_in: Any) -> Callable[[str, str, dict[str, Any]], Any]:
    """How the Bedrock stand-in answers a prompt with one of these words in it, as the service does when something goes
    wrong; any other prompt gets its image."""

    def rule(model_id: str, prompt: str, request: dict[str, Any]) -> Any:
        if "blockedprompt" in prompt:
            return stand_in.error("ValidationException", BLOCKED_PROMPT)
        if "blockedoutput" in prompt:
            return {"seeds": [1], "finish_reasons": ["Filter reason: output image"], "images": []}
        if "noimage" in prompt:
            return {"seeds": [1], "finish_reasons": [None], "images": []}
        if "throttleme" in prompt:
            return stand_in.error("ThrottlingException", "Too many requests, please wait before trying again.", 429)
        if "nomodelaccess" in prompt:
            return stand_in.error(
                "AccessDeniedException", "You don't have access to the model with the specified model ID.", 403
            )
        return None

    return rule


@pytest.fixture(scope="module")
def stack(loopback_only: list[str]) -> Iterator[LocalStack]:
    # The director is off here: these rows are about the pipeline's answer to hostile input and failing services, with
    # the plain prompts the rows' markers are in (the director has its own tests, and a Korean run in test_e2e_korean).
    settings = {**QUICK_IMAGE_SETTINGS, "IMAGE_MODEL_ID": MODEL, "PROMPT_DIRECTOR": "false"}
    with LocalStack(StackOptions(name="matrix", image_settings=settings)) as local, instant_throttle_backoff():
        yield local


@pytest.fixture(scope="module")
def run(stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """Every row's input at once; the stack is idle (everything processed or dead-lettered) when the tests look."""
    assert stack.bedrock_stand_in is not None
    stack.bedrock_stand_in.answer_with(bedrock_rule(stack.bedrock_stand_in))
    assert stack.transcribe_stand_in is not None
    assert stack.lambda_client is not None
    # The stack delivers Transcribe's FAILED job state changes to the transcription function, as the module's
    # EventBridge rule does.
    faulty = FaultyTranscribe(stack.transcribe, TRANSCRIBE_FAULTS)
    with aws.override("transcribe", faulty):
        matrix = Run(stack, faulty, tmp_path_factory.mktemp("matrix"))
        # Rows that hold the dispatcher go first, while it has nothing to finish.
        for row in sorted(ROWS, key=lambda row: row.arrange not in (overwritten_before_run, deleted_before_run)):
            row.arrange(matrix)
        stack.wait_until_idle(WAIT_SECONDS)
        for row in ROWS:
            if row.later is not None:
                row.later(matrix)
        stack.wait_until_idle(WAIT_SECONDS)
        yield matrix


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_row(run: Run, row: Row) -> None:
    uploads = run.uploads[row.id]
    assert uploads, f"row {row.id} uploaded nothing"
    row.expect.check(run, uploads)
    # The others: the normal upload sent along with every row was illustrated all the same.
    [control] = run.uploads["control"]
    [job] = run.jobs(control.key)
    control_manifest = run.manifest(job)
    assert control_manifest is not None
    assert control_manifest["status"] == "complete"


def test_rows_asserted_elsewhere_exist() -> None:
    """Every test a row points to (`see`, ELSEWHERE) exists, so the references cannot silently rot."""
    references = [ref for row in ROWS for ref in row.see] + [ref for _, *refs in ELSEWHERE.values() for ref in refs]
    for reference in references:
        path, _, name = reference.partition("::")
        source = ROOT / path
        assert source.is_file(), reference
        if name:
            tree = ast.parse(source.read_text(encoding="utf-8"))
            names = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
            assert name in names, reference
    assert len({row.id for row in ROWS} | set(ELSEWHERE)) == len(ROWS) + len(ELSEWHERE)
