"""Lambda entry point: S3 ObjectCreated on the audio bucket -> one Amazon Transcribe job per audio object.

It never waits for the job: the transcript object that Transcribe writes into the transcript bucket triggers the next
function. Every record is handled on its own, so one bad record never loses the others.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from pipeline_core import aws, log, naming, rejections, s3_events
from pipeline_core.config import ConfigError
from pipeline_core.s3_events import MalformedRecord, S3Object
from start_transcription import jobs

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
    return _start_job(obj, verdict.media_format, config, fields)


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


def _start_job(obj: S3Object, media_format: str, config: jobs.Settings, fields: dict[str, Any]) -> str:
    request = jobs.build_start_request(obj, media_format, config)
    try:
        aws.client("transcribe").start_transcription_job(**request)
        outcome = STARTED
    except ClientError as err:
        code = _error_code(err)
        if code == "ConflictException":
            outcome = ALREADY_STARTED  # same name = same object version: an earlier attempt started it
        elif code == "BadRequestException":
            # Transcribe refused this request for good; retrying the event would get the same answer.
            _reject(obj, jobs.Rejected(jobs.REQUEST_REJECTED, _error_message(err)), config, fields)
            return REJECTED
        else:
            raise

    _write_job_record(obj, request, overwrite=outcome == STARTED)
    if outcome == STARTED:
        log.info("transcription job started", media_format=media_format, **fields)
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
    record = {**rejections.rejection_record(obj, verdict.reason, verdict.detail, jobs.STAGE), "job_name": job}
    key = naming.rejection_key(job)
    aws.client("s3").put_object(
        Bucket=config.transcript_bucket,
        Key=key,
        Body=rejections.to_json_bytes(record),
        ContentType="application/json",
    )
    log.warning(
        "upload rejected",
        reason=verdict.reason,
        detail=verdict.detail,
        rejection_bucket=config.transcript_bucket,
        rejection_key=key,
        **fields,
    )


def _write_job_record(obj: S3Object, request: dict[str, Any], *, overwrite: bool) -> None:
    """jobs/<job>.json; when the job was already started, keep the record (and started_at) of the attempt that
    started it, and only fill it in if that attempt died before writing it."""
    job = request["TranscriptionJobName"]
    extra = {} if overwrite else {"IfNoneMatch": "*"}
    try:
        aws.client("s3").put_object(
            Bucket=request["OutputBucketName"],
            Key=naming.job_record_key(job),
            Body=rejections.to_json_bytes(jobs.job_record(obj, request, datetime.now(UTC))),
            ContentType="application/json",
            **extra,
        )
    except ClientError as err:
        if overwrite or _error_code(err) not in _ALREADY_WRITTEN:
            raise


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
