"""The completion event: one EventBridge event on the default bus when a file is done, whatever the outcome.

The image function announces `complete`, `partial` and `failed` (after the manifest); the transcription function
`rejected` and `transcription-failed` (after the record under errors/). Source, detail type and statuses live in
completion_event.json, which Terraform reads for the e-mail rule.

Once per file, also when S3 delivers an event again or Lambda retries: after PutEvents succeeded a marker object is
written next to the function's own records (`marker_key`); a marker that exists means "already announced". A
PutEvents failure raises, so the invocation is retried and announces then (the retry finds no marker). Two
deliveries of the same S3 event running at the very same moment can both announce: EventBridge consumers should
treat `detail.job_name` + `detail.status` as the identity of the event.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from pipeline_core import log

_SPEC = json.loads((Path(__file__).with_name("completion_event.json")).read_text(encoding="utf-8"))
SOURCE: str = _SPEC["source"]
DETAIL_TYPE: str = _SPEC["detail_type"]
STATUSES: tuple[str, ...] = tuple(_SPEC["statuses"])
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
_ALREADY_WRITTEN = frozenset({"PreconditionFailed", "ConditionalRequestConflict"})


class CompletionEventError(RuntimeError):
    """EventBridge did not take the event; raised so the invocation is retried."""


def detail(
    *,
    job: str,
    source_bucket: str | None,
    source_key: str | None,
    status: str,
    reason: str | None = None,
    counts: Mapping[str, int] | None = None,
    result_keys: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The event's detail: which upload, how it ended, and where its results (or its record) are."""
    if status not in STATUSES:
        raise ValueError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    return {
        "job_name": job,
        "source_bucket": source_bucket,
        "source_key": source_key,
        "status": status,
        "reason": reason,
        "counts": dict(counts or {}),
        "result_keys": dict(result_keys or {}),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def entry(event_detail: Mapping[str, Any]) -> dict[str, Any]:
    """A PutEvents entry for the default bus (EventBusName left out: the default bus)."""
    return {"Source": SOURCE, "DetailType": DETAIL_TYPE, "Detail": json.dumps(event_detail, ensure_ascii=False)}


def _code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


def announce_once(s3: Any, events: Any, bucket: str, marker_key: str, event_detail: Mapping[str, Any]) -> bool:
    """Put the event unless `bucket/marker_key` says it was put already; True when it was put now."""
    fields = {"job_name": event_detail.get("job_name"), "status": event_detail.get("status"), "marker_key": marker_key}
    try:
        s3.head_object(Bucket=bucket, Key=marker_key)
        log.info("completion event already sent; not sent again", **fields)
        return False
    except ClientError as err:
        if _code(err) not in _MISSING:
            raise
    response = events.put_events(Entries=[entry(event_detail)])
    if response.get("FailedEntryCount"):
        failed = response.get("Entries", [{}])[0]
        raise CompletionEventError(
            f"EventBridge refused the completion event: {failed.get('ErrorCode')}: {failed.get('ErrorMessage')}"
        )
    body = json.dumps({**event_detail, "event_id": response["Entries"][0].get("EventId")}, ensure_ascii=False)
    try:
        s3.put_object(
            Bucket=bucket, Key=marker_key, Body=body.encode(), ContentType="application/json", IfNoneMatch="*"
        )
    except ClientError as err:
        if _code(err) not in _ALREADY_WRITTEN:
            raise
    log.info("completion event sent", **fields)
    return True
