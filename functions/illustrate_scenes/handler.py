"""Lambda entry point (handler string `illustrate_scenes.handler.handler`), triggered by the transcript bucket.

The notification filters on `transcripts/` + `.json`, but the keys are checked again here: Transcribe also writes
`.srt`, `.vtt` and a `.write_access_check_file.temp` next to the transcript, and none of them may start work.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from illustrate_scenes.illustrate import illustrate_transcript
from illustrate_scenes.settings import Settings, load_settings
from pipeline_core import aws, log, naming
from pipeline_core.s3_events import MalformedRecord, parse_event


class RecordsFailed(RuntimeError):
    """Raised after every record was attempted, so Lambda retries the event; finished records are then skipped."""


@cache
def current_settings() -> Settings:
    # Read once per container; a ConfigError names the variable and fails every invocation until it is fixed.
    return load_settings()


def _remaining(context: Any) -> Callable[[], float] | None:
    """Seconds left in this invocation (Lambda context), for retrying throttled scenes; None without a context."""
    remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
    return (lambda: remaining_ms() / 1000) if callable(remaining_ms) else None


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    settings = current_settings()
    outcomes: list[dict[str, Any]] = []
    failures: list[Exception] = []
    for record in parse_event(event):
        if isinstance(record, MalformedRecord):
            log.warning("malformed S3 event record skipped", index=record.index, reason=record.reason)
            outcomes.append({"index": record.index, "outcome": "malformed"})
            continue
        fields = {"bucket": record.bucket, "key": record.key}
        job = naming.job_from_transcript_key(record.key)
        if job is None:
            log.info("not a transcript key; skipped", **fields)
            outcomes.append({**fields, "outcome": "skipped"})
            continue
        try:
            manifest = illustrate_transcript(
                record,
                job,
                settings,
                s3=aws.client("s3"),
                bedrock=aws.client("bedrock-runtime", settings.bedrock_region),
                translate=aws.client("translate"),
                remaining_seconds=_remaining(context),
            )
        except Exception as exc:  # one record's failure must not lose the others
            log.error("transcript failed", exc_info=True, job_name=job, **fields)
            failures.append(exc)
            outcomes.append({**fields, "job_name": job, "outcome": "error", "error": str(exc)})
            continue
        status = manifest["status"] if manifest else "skipped"
        outcomes.append({**fields, "job_name": job, "outcome": status})
    if failures:
        raise RecordsFailed(f"{len(failures)} record(s) failed: {failures[0]}") from failures[0]
    return {"records": outcomes}
