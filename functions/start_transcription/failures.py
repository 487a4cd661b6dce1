"""Which AWS errors of the transcription function a later attempt can fix, and which are final.

A retryable error propagates: Lambda retries the event, then keeps it in the dead-letter queue, from which
`scripts/redrive.py` sends it again once the cause is fixed. A final one becomes a rejection record (errors/<job>.json)
that tells the uploader what was wrong. Getting this wrong either way is costly: a permissions fault that is written
off as a rejection loses the upload for good, and bad media that is retried fills the dead-letter queue.

Pure functions over error codes and messages; the handler makes the calls.
"""

from __future__ import annotations

import re

# The object the event names is gone or was replaced while its header was read: its length stays unknown, and the
# HeadObject check (or the newer object's own event) decides what happens to it. Any other error of the ranged GETs
# (AccessDenied without s3:GetObjectVersion, a KMS denial, throttling, a timeout) is raised, so that the length cap
# is never skipped because the function could not read.
OBJECT_CHANGED_CODES = frozenset(
    {"NoSuchKey", "NoSuchVersion", "404", "NotFound", "PreconditionFailed", "412", "InvalidRange", "416"}
)

# Amazon Transcribe answers StartTranscriptionJob with BadRequestException both for requests that can never succeed
# and for media it cannot read with the caller's permissions at this moment. Messages of the second kind, as seen
# (checked 2026-12-01):
# - "The S3 URI that you provided can't be accessed. Make sure that you have read permission and try your request
#   again." (awsdocs/amazon-transcribe-developer-guide issue #1, 2018; the same text is reproduced by public
#   Transcribe emulators and client tests): missing s3:GetObject/s3:GetObjectVersion, a bucket policy, or kms:Decrypt
#   on an SSE-KMS object; also the first seconds after `terraform apply`, while the new role policy propagates.
# - messages naming the KMS key, the data-access role or a permission (OutputEncryptionKMSKeyId needs the caller to
#   use the key, JobExecutionSettings needs iam:PassRole): fixed by an IAM or key-policy change, not by the upload.
# Matched case-insensitively; anything else (bad media format, sample rate, language settings) stays a rejection.
RETRYABLE_BAD_REQUEST_PATTERNS = (
    r"can'?t be accessed",
    r"cannot be accessed",
    r"access denied",
    r"accessdenied",
    r"not authori[sz]ed",
    r"permission",
    r"\bkms\b",
    r"\bkey\b.*\b(denied|disabled|pending|not found|invalid state)",
    r"data ?access ?role",
    r"passrole",
    r"assume",
)
_RETRYABLE_BAD_REQUEST = re.compile("|".join(RETRYABLE_BAD_REQUEST_PATTERNS), re.IGNORECASE)


def read_error_is_final(code: str) -> bool:
    """True when a ranged GET of the header failed because the object changed (its length then stays unknown)."""
    return code in OBJECT_CHANGED_CODES


def bad_request_is_retryable(message: str) -> bool:
    """True when a BadRequestException of StartTranscriptionJob is about access (S3, KMS, IAM), not the media."""
    return bool(_RETRYABLE_BAD_REQUEST.search(message))
