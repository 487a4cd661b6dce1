"""The client names why Transcribe failed a job, also where GetTranscriptionJob leaves the reason out (moto)."""

from __future__ import annotations

from typing import Any

import client
import pytest
from pipeline_client import following


class Transcribe:
    def __init__(self, get_reason: str | None, listed_reason: str | None) -> None:
        self._get_reason = get_reason
        self._listed_reason = listed_reason

    def get_transcription_job(self, TranscriptionJobName: str) -> dict[str, Any]:
        job: dict[str, Any] = {"TranscriptionJobName": TranscriptionJobName, "TranscriptionJobStatus": "FAILED"}
        if self._get_reason:
            job["FailureReason"] = self._get_reason
        return {"TranscriptionJob": job}

    def list_transcription_jobs(self, **_: Any) -> dict[str, Any]:
        summaries = [{"TranscriptionJobName": "other", "FailureReason": "not this one"}]
        if self._listed_reason:
            summaries.append({"TranscriptionJobName": "job-1", "FailureReason": self._listed_reason})
        return {"TranscriptionJobSummaries": summaries}


@pytest.mark.parametrize(
    ("get_reason", "listed_reason", "expected"),
    [
        ("Failed to parse audio file.", None, "Failed to parse audio file."),
        (None, "Failed to parse audio file.", "Failed to parse audio file."),
        (None, None, "no reason given"),
    ],
)
def test_a_failed_job_s_reason(get_reason: str | None, listed_reason: str | None, expected: str) -> None:
    with pytest.raises(client.PipelineError, match=f"could not transcribe the file: {expected} \\(job job-1\\)"):
        following._check_transcription_job(Transcribe(get_reason, listed_reason), "job-1")
