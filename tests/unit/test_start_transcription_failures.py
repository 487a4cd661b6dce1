"""Which errors of the transcription function are retried (access, KMS, IAM) and which are final (bad media)."""

from __future__ import annotations

import pytest

from start_transcription import failures


@pytest.mark.parametrize(
    "message",
    [
        "The S3 URI that you provided can't be accessed. Make sure that you have read permission and try your request "
        "again.",
        "The S3 URI that you provided cannot be accessed.",
        "Access Denied when reading s3://audio/talk.mp3",
        "The KMS key you specified is not accessible.",
        "User is not authorized to perform: iam:PassRole on resource: arn:aws:iam::123456789012:role/x",
        "Amazon Transcribe can't assume the DataAccessRole you provided.",
        "You don't have permission to write to the output bucket.",
    ],
)
def test_access_problems_are_retryable(message: str) -> None:
    assert failures.bad_request_is_retryable(message)


@pytest.mark.parametrize(
    "message",
    [
        "The media format that you specified doesn't match the detected media format. Check the media format and try "
        "your request again.",
        "The audio sample rate 4000 Hz is not supported. Change the audio sample rate of your media file and try "
        "your request again.",
        "Don't specify a value for the LanguageCode parameter when IdentifyLanguage is true.",
        "Invalid file size: file size too large. Maximum audio duration is 4.000000 hours.",
        "simulated BadRequestException",
        "",
    ],
)
def test_bad_media_and_bad_requests_are_final(message: str) -> None:
    assert not failures.bad_request_is_retryable(message)


@pytest.mark.parametrize("code", ["NoSuchKey", "NoSuchVersion", "PreconditionFailed", "InvalidRange", "404"])
def test_a_read_of_an_object_that_changed_leaves_the_length_unknown(code: str) -> None:
    assert failures.read_error_is_final(code)


@pytest.mark.parametrize("code", ["AccessDenied", "403", "KMS.DisabledException", "SlowDown", "InternalError", ""])
def test_any_other_read_failure_is_raised(code: str) -> None:
    assert not failures.read_error_is_final(code)
