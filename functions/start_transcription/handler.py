"""Lambda entry point: S3 ObjectCreated on the audio bucket -> one Amazon Transcribe job per audio object; and
EventBridge "Transcribe Job State Change" (FAILED) -> a record under errors/ for this pipeline's failed jobs.

It never waits for a job: the transcript object that Transcribe writes into the transcript bucket triggers the next
function. Every record is handled on its own, so one bad record never loses the others. Before a job starts, the
audio's length is read from its header (two ranged GETs at most, see media_duration.py) and checked against the cap.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from pipeline_core import aws, completion, log, naming, rejections, s3_events
from pipeline_core.config import ConfigError
from pipeline_core.s3_events import MalformedRecord, S3Object
from start_transcription import failures, job_events, jobs, media_duration

STARTED = "started"
ALREADY_STARTED = "already_started"
REJECTED = "rejected"
SKIPPED = "skipped"
OUTCOMES = (STARTED, ALREADY_STARTED, REJECTED, SKIPPED)

_NOT_FOUND = frozenset({"404", "NoSuchKey", "NotFound"})
# A conditional write lost to an earlier attempt of the same event: the record is already there.
_ALREADY_WRITTEN = frozenset({"PreconditionFailed", "ConditionalRequestConflict"})


class RecordsFailedError(RuntimeError):
    """Raised after every record was tried when some failed in a way a later attempt can fix (throttling, quotas,
    service errors, permissions being fixed), so that Lambda's async retries and then the dead-letter queue keep the
    event. Retrying re-runs every record, which is safe: job names are deterministic and a started job is a no-op."""


@dataclass
class Summary:
    started: list[str] = field(default_factory=list)
    already_started: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def add(self, outcome: str, name: str) -> None:
        getattr(self, outcome).append(name)

    def as_dict(self) -> dict[str, Any]:
        lists = {outcome: list(getattr(self, outcome)) for outcome in OUTCOMES}
        return {**lists, "counts": {outcome: len(names) for outcome, names in lists.items()}}


@functools.cache
def settings() -> jobs.Settings:
    """Validated once per container; a ConfigError is not cached, so it is raised on every invocation until fixed."""
    return jobs.load_settings()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        config = settings()
    except ConfigError as err:
        log.error("invalid configuration; no record was processed", error=str(err))
        raise

    change = job_events.job_state_change(event)
    if change is not None:
        return handle_job_state_change(change, config, context)

    summary = Summary()
    failures: list[tuple[str, Exception]] = []
    items = s3_events.parse_event(event)
    if not items:
        log.info("event holds no S3 records (e.g. s3:TestEvent); nothing to do")
    for item in items:
        fields = _log_fields(item)
        name = fields.get("job_name") or f"record-{fields['record_index']}"
        try:
            outcome = process_record(item, config, fields)
        except Exception as err:  # collected and re-raised below, after the other records had their turn
            failures.append((name, err))
            log.error("record failed; the event will be retried", error=_describe(err), exc_info=True, **fields)
            continue
        summary.add(outcome, name)

    result = summary.as_dict()
    log.info("event processed", request_id=getattr(context, "aws_request_id", None), failed=len(failures), **result)
    if failures:
        failed = ", ".join(f"{name} ({_describe(err)})" for name, err in failures)
        raise RecordsFailedError(f"{len(failures)} of {len(items)} records failed: {failed}") from failures[0][1]
    return result


def process_record(item: S3Object | MalformedRecord, config: jobs.Settings, fields: dict[str, Any]) -> str:
    """One record -> its outcome. Raises for anything a later attempt may fix; the caller collects it."""
    if isinstance(item, MalformedRecord):
        # Nothing names an upload here, so there is no rejection record to write; a retry would not help either.
        log.error("malformed S3 event record skipped", reason=item.reason, **fields)
        return SKIPPED
    if not item.event_name.startswith("ObjectCreated:"):
        log.info("not an ObjectCreated event; skipped", event_name=item.event_name, **fields)
        return SKIPPED
    checked = _check_object(item)
    if checked is None:
        log.info("object was overwritten since this event; its newer upload has its own event", **fields)
        return SKIPPED
    obj, verdict = checked
    if isinstance(verdict, jobs.Rejected):
        _reject(obj, verdict, config, fields)
        return REJECTED
    measured = _measure(obj, verdict.media_format, fields)
    too_long = jobs.check_duration(measured.seconds, measured.method, config)
    if too_long is not None:
        _reject(obj, too_long, config, fields)
        return REJECTED
    return _start_job(obj, verdict.media_format, config, fields, measured.seconds)


def handle_job_state_change(change: job_events.JobStateChange, config: jobs.Settings, context: Any) -> dict[str, Any]:
    """A FAILED job with a job record here gets errors/<job>.json; any other job of the account is not ours."""
    summary = Summary()
    fields: dict[str, Any] = {"job_name": change.job_name, "job_status": change.status, "event_id": change.event_id}
    name = change.job_name or "unnamed-job"
    record = None
    if change.status == job_events.FAILED and change.names_a_pipeline_job:
        record = _read_job_record(config.transcript_bucket, change.job_name)
    if record is None:
        log.info(
            "Transcribe job state change ignored: only FAILED jobs with a job record in this pipeline are recorded",
            job_record_key=naming.job_record_key(change.job_name) if change.names_a_pipeline_job else None,
            **fields,
        )
        summary.add(SKIPPED, name)
    else:
        _record_failure(record, change, config, fields)
        summary.add(REJECTED, name)
    result = summary.as_dict()
    log.info("event processed", request_id=getattr(context, "aws_request_id", None), failed=0, **result)
    return result


def _check_object(obj: S3Object) -> tuple[S3Object, jobs.Accepted | jobs.Rejected] | None:
    """The verdict on the object as it is now in S3; None when a newer object has replaced it since the event."""
    verdict = jobs.classify(obj)
    if isinstance(verdict, jobs.Rejected):
        return obj, verdict
    # One HeadObject call turns a deleted or overwritten object into a clear outcome now, instead of a FAILED
    # Transcribe job or a second transcript of the newer object later.
    head = _head_object(obj)
    if head is None:
        return obj, jobs.Rejected(jobs.OBJECT_MISSING, "the object was deleted before it could be transcribed")
    if jobs.is_superseded(obj, head.get("ETag", ""), head.get("VersionId")):
        return None
    if obj.size is None:
        obj = replace(obj, size=int(head["ContentLength"]))
    return obj, jobs.classify(obj)


def _measure(obj: S3Object, media_format: str, fields: dict[str, Any]) -> media_duration.Measurement:
    """The audio's length from at most two ranged GETs of its header; unknown (the job starts and Transcribe decides)
    when the bytes do not tell or the object changed meanwhile. Any other failed read (a permission, a KMS denial,
    throttling) is raised: the length cap must not be skipped because the function could not read."""
    # The version or ETag pins the object the event names, should the key have been written to again since.
    pin = {"VersionId": obj.version_id} if obj.version_id else {"IfMatch": f'"{obj.etag}"'} if obj.etag else {}

    def read(start: int, length: int) -> bytes:
        ranged = f"bytes={start}-{start + length - 1}"
        return aws.client("s3").get_object(Bucket=obj.bucket, Key=obj.key, Range=ranged, **pin)["Body"].read()

    try:
        measured = media_duration.measure(obj.size or 0, read, media_format)
    except ClientError as err:
        if not failures.read_error_is_final(_error_code(err)):
            raise  # retried, then dead-lettered: fix the permission and re-drive
        log.warning(
            "audio length unknown: the object changed while its header was read; the job starts without the "
            "length check",
            error=_describe(err),
            **fields,
        )
        return media_duration.Measurement(None, None, f"reading the header failed: {_describe(err)}")
    if measured.seconds is None:
        log.info(
            "audio length unknown; Amazon Transcribe decides",
            container=measured.container,
            why=measured.method,
            **fields,
        )
    return measured


def _start_job(
    obj: S3Object, media_format: str, config: jobs.Settings, fields: dict[str, Any], audio_seconds: float | None
) -> str:
    request = jobs.build_start_request(obj, media_format, config)
    try:
        aws.client("transcribe").start_transcription_job(**request)
        outcome = STARTED
    except ClientError as err:
        code = _error_code(err)
        if code == "ConflictException":
            outcome = ALREADY_STARTED  # same name = same key and content: an earlier attempt or upload started it
        elif code == "BadRequestException" and not failures.bad_request_is_retryable(_error_message(err)):
            # Transcribe refused this request for good; retrying the event would get the same answer.
            _reject(obj, jobs.Rejected(jobs.REQUEST_REJECTED, _error_message(err)), config, fields)
            return REJECTED
        else:
            raise

    _write_job_record(obj, request, audio_seconds, overwrite=outcome == STARTED)
    if outcome == STARTED:
        log.info("transcription job started", media_format=media_format, audio_seconds=audio_seconds, **fields)
    else:
        log.info("transcription job already started (retried event or identical re-upload); nothing to do", **fields)
    return outcome


def _head_object(obj: S3Object) -> dict[str, Any] | None:
    try:
        return aws.client("s3").head_object(Bucket=obj.bucket, Key=obj.key)
    except ClientError as err:
        if _error_code(err) in _NOT_FOUND:
            return None
        raise


def _reject(obj: S3Object, verdict: jobs.Rejected, config: jobs.Settings, fields: dict[str, Any]) -> None:
    job = fields["job_name"]
    record = {
        **rejections.rejection_record(obj, verdict.reason, verdict.detail, jobs.STAGE),
        **dict(verdict.facts),
        "job_name": job,
    }
    key = naming.rejection_key(job)
    _put_json(config.transcript_bucket, key, record)
    _announce(config, job, record, verdict.reason, key)
    log.warning(
        "upload rejected",
        reason=verdict.reason,
        detail=verdict.detail,
        rejection_bucket=config.transcript_bucket,
        rejection_key=key,
        **dict(verdict.facts),
        **fields,
    )


def _announce(config: jobs.Settings, job: str, record: dict[str, Any], reason: str, record_key: str) -> None:
    """The completion event of a file that ends here: rejected, or its Transcribe job failed (completion.py)."""
    status = jobs.TRANSCRIPTION_FAILED if reason == jobs.TRANSCRIPTION_FAILED else "rejected"
    event_detail = completion.detail(
        job=job,
        source_bucket=record.get("bucket"),
        source_key=record.get("key"),
        status=status,
        reason=f"{record.get('reason')}: {record.get('detail')}",
        result_keys={"bucket": config.transcript_bucket, "record": record_key},
    )
    marker = naming.transcription_event_marker_key(job)
    completion.announce_once(aws.client("s3"), aws.client("events"), config.transcript_bucket, marker, event_detail)


def _read_job_record(bucket: str, job: str) -> dict[str, Any] | None:
    """jobs/<job>.json, or None when there is none (the role may list the bucket, so a missing record is a 404, and
    a 403 is a real permission fault that the retries and the dead-letter queue keep)."""
    try:
        body = aws.client("s3").get_object(Bucket=bucket, Key=naming.job_record_key(job))["Body"].read()
    except ClientError as err:
        if _error_code(err) in _NOT_FOUND:
            return None
        raise
    try:
        record = json.loads(body)
    except ValueError:
        record = None
    # Unreadable, yet the job is this pipeline's: the failure is still recorded, without the upload's details.
    return record if isinstance(record, dict) else {}


def _record_failure(
    record: dict[str, Any], change: job_events.JobStateChange, config: jobs.Settings, fields: dict[str, Any]
) -> None:
    failure = job_events.failure_record(record, change)
    key = naming.rejection_key(change.job_name)
    _put_json(config.transcript_bucket, key, failure)
    _announce(config, change.job_name, failure, "transcription-failed", key)
    log.warning(
        "transcription job failed",
        reason=failure["reason"],
        detail=failure["detail"],
        bucket=failure["bucket"],
        key=failure["key"],
        rejection_bucket=config.transcript_bucket,
        rejection_key=key,
        **fields,
    )


def _write_job_record(obj: S3Object, request: dict[str, Any], audio_seconds: float | None, *, overwrite: bool) -> None:
    """jobs/<job>.json; when the job was already started, keep the record (and started_at) of the attempt that
    started it, and only fill it in if that attempt died before writing it."""
    job = request["TranscriptionJobName"]
    record = jobs.job_record(obj, request, datetime.now(UTC), audio_seconds)
    try:
        _put_json(request["OutputBucketName"], naming.job_record_key(job), record, only_if_absent=not overwrite)
    except ClientError as err:
        if overwrite or _error_code(err) not in _ALREADY_WRITTEN:
            raise


def _put_json(bucket: str, key: str, document: dict[str, Any], *, only_if_absent: bool = False) -> None:
    """Every record this function writes (jobs/, errors/) is a small JSON object in the transcript bucket."""
    condition = {"IfNoneMatch": "*"} if only_if_absent else {}
    aws.client("s3").put_object(
        Bucket=bucket, Key=key, Body=rejections.to_json_bytes(document), ContentType="application/json", **condition
    )


def _log_fields(item: S3Object | MalformedRecord) -> dict[str, Any]:
    if isinstance(item, MalformedRecord):
        return {"record_index": item.index}
    return {"bucket": item.bucket, "key": item.key, "job_name": jobs.job_name_for(item)}


def _error_code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


def _error_message(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Message", "")) or str(err)


def _describe(err: Exception) -> str:
    return _error_code(err) if isinstance(err, ClientError) else type(err).__name__
