"""Transcribe job state changes as EventBridge delivers them, and the errors/ record a FAILED job of this pipeline
gets, without AWS."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pipeline_core import naming
from start_transcription import job_events, jobs

JOB = "talks-Vortrag.mp3-3fa9c2d1e0b4"
REASON = "The media format that you specified doesn't match the detected media format. Check the media format."


def state_change(status: str = "FAILED", *, name: str = JOB, reason: str | None = REASON) -> dict[str, Any]:
    """The event as the Amazon Transcribe developer guide documents it (monitoring-events)."""
    detail: dict[str, Any] = {"TranscriptionJobName": name, "TranscriptionJobStatus": status}
    if reason is not None:
        detail["FailureReason"] = reason
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "Transcribe Job State Change",
        "source": "aws.transcribe",
        "account": "123456789012",
        "time": "2025-05-01T12:34:56Z",
        "region": "eu-west-1",
        "resources": [],
        "detail": detail,
    }


JOB_RECORD = {
    "job_name": JOB,
    "audio_bucket": "talks-audio",
    "audio_key": "talks/Vortrag.mp3",
    "etag": "9dd4e461268c8034f5c8564e155c67a6",
    "version_id": "v1",
    "size": 123456,
    "media_format": "mp3",
    "transcript_key": naming.transcript_key(JOB),
}


def test_a_failed_job_state_change_is_read_with_its_reason() -> None:
    change = job_events.job_state_change(state_change())
    assert change == job_events.JobStateChange(
        job_name=JOB,
        status="FAILED",
        failure_reason=REASON,
        event_id="6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        time="2025-05-01T12:34:56Z",
    )
    assert change.names_a_pipeline_job


@pytest.mark.parametrize(
    "event",
    [
        {"Records": [{"eventSource": "aws:s3"}]},
        {"source": "aws.transcribe", "detail-type": "Language Identification State Change", "detail": {}},
        {"source": "aws.s3", "detail-type": "Transcribe Job State Change", "detail": {}},
        {"Service": "Amazon S3", "Event": "s3:TestEvent"},
        [],
        None,
    ],
)
def test_other_events_are_not_job_state_changes(event: Any) -> None:
    assert job_events.job_state_change(event) is None


def test_a_completed_job_and_odd_details_are_read_as_they_are() -> None:
    completed = job_events.job_state_change(state_change("COMPLETED", reason=None))
    assert completed is not None
    assert (completed.status, completed.failure_reason) == ("COMPLETED", None)
    broken = job_events.job_state_change({**state_change(), "detail": "not an object"})
    assert broken is not None
    assert (broken.job_name, broken.status, broken.names_a_pipeline_job) == ("", "", False)


@pytest.mark.parametrize("name", ["../jobs/x", "has space", "", "a" * 201])
def test_names_no_job_of_this_pipeline_can_have_are_not_looked_up(name: str) -> None:
    change = job_events.job_state_change(state_change(name=name))
    assert change is not None
    assert not change.names_a_pipeline_job


def test_the_failure_record_names_the_upload_the_job_and_transcribes_reason() -> None:
    change = job_events.job_state_change(state_change())
    assert change is not None
    record = json.loads(json.dumps(job_events.failure_record(JOB_RECORD, change)))  # JSON-safe as written

    assert (record["reason"], record["detail"], record["stage"]) == (jobs.TRANSCRIPTION_FAILED, REASON, "transcription")
    assert record["reason"] == "transcription-failed"
    assert (record["bucket"], record["key"], record["etag"], record["version_id"], record["size"]) == (
        "talks-audio",
        "talks/Vortrag.mp3",
        JOB_RECORD["etag"],
        "v1",
        123456,
    )
    assert (record["job_name"], record["transcription_job_status"], record["failed_at"]) == (
        JOB,
        "FAILED",
        "2025-05-01T12:34:56Z",
    )
    assert record["rejected_at"]


def test_a_failure_without_a_reason_or_a_readable_job_record_is_still_recorded() -> None:
    change = job_events.job_state_change(state_change(reason=None))
    assert change is not None
    record = job_events.failure_record({}, change)
    assert record["detail"] == "Amazon Transcribe reported the job as FAILED without a reason"
    assert (record["bucket"], record["key"], record["size"], record["version_id"]) == ("", "", None, None)
    assert record["job_name"] == JOB
