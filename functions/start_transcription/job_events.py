"""Transcribe job state changes from EventBridge: a FAILED job of this pipeline becomes a record under errors/.

A job that fails (corrupt or silent-to-the-decoder audio, a media format that is not what the extension says, ...)
writes no transcript, so without this nothing in any bucket would tell the uploader. The EventBridge rule sends every
FAILED job of the account, so only jobs with a job record (jobs/<job>.json) in this pipeline's transcript bucket are
recorded. Pure functions; handler.py reads the job record and writes the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline_core import naming, rejections
from pipeline_core.s3_events import S3Object
from start_transcription import jobs

SOURCE = "aws.transcribe"
DETAIL_TYPE = "Transcribe Job State Change"
FAILED = "FAILED"


@dataclass(frozen=True)
class JobStateChange:
    job_name: str
    status: str
    failure_reason: str | None
    event_id: str | None
    time: str | None

    @property
    def names_a_pipeline_job(self) -> bool:
        """Whether the name could be one of this pipeline's job names (and is safe in an S3 key)."""
        return bool(naming.JOB_NAME_PATTERN.match(self.job_name))


def job_state_change(event: Any) -> JobStateChange | None:
    """The job state change an EventBridge event announces; None for any other event (S3 notifications, ...)."""
    if not isinstance(event, dict) or event.get("source") != SOURCE or event.get("detail-type") != DETAIL_TYPE:
        return None
    detail = event.get("detail")
    if not isinstance(detail, dict):
        detail = {}
    reason = detail.get("FailureReason")
    return JobStateChange(
        job_name=str(detail.get("TranscriptionJobName") or ""),
        status=str(detail.get("TranscriptionJobStatus") or ""),
        failure_reason=str(reason) if reason else None,
        event_id=str(event["id"]) if event.get("id") else None,
        time=str(event["time"]) if event.get("time") else None,
    )


def failure_record(job_record: Mapping[str, Any], change: JobStateChange) -> dict[str, Any]:
    """errors/<job>.json for a FAILED job: the rejection record's shape (reason, detail, the upload it is about), so
    users, alarms and scripts/client.py read both alike."""
    size = job_record.get("size")
    version_id = job_record.get("version_id")
    upload = S3Object(
        bucket=str(job_record.get("audio_bucket") or ""),
        key=str(job_record.get("audio_key") or ""),
        size=size if isinstance(size, int) else None,
        etag=str(job_record.get("etag") or ""),
        version_id=str(version_id) if version_id else None,
        event_name="",
    )
    detail = change.failure_reason or "Amazon Transcribe reported the job as FAILED without a reason"
    return {
        **rejections.rejection_record(upload, jobs.TRANSCRIPTION_FAILED, detail, jobs.STAGE),
        "job_name": change.job_name,
        "transcription_job_status": change.status,
        "failed_at": change.time,
    }
