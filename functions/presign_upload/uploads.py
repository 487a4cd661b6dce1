"""Rules of the presign function: which upload may get a presigned S3 PUT URL, and the answer the API returns.

Standard library only, and no AWS call: signing a URL is a local computation with the signer's credentials, done by
the S3 client the caller passes in. The Lambda handler, the local upload API stand-in
(scripts/local_stack/upload_api.py) and the client (scripts/client.py) all apply these rules, so they cannot drift.

The request is `POST /{folder}/{object}` with `{"size": <bytes>, "content_type": "audio/mpeg"}`; the URL it gets
writes exactly the key the direct `PUT /{folder}/{object}` would write. Checked before signing: the key, the media
format (Amazon Transcribe's formats, in a case the audio bucket's notification matches), the size (Transcribe takes
at most 2 GB) and the content type. Transcribe's other limit, 4 hours of audio, cannot be judged from a size; the
transcription function enforces it once the file is there.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipeline_core import request_keys
from pipeline_core.config import ConfigError, env_int, env_log_level, env_str
from pipeline_core.request_keys import InvalidRequest, check_key, decode_segment, mixed_case_hint, path_segments

__all__ = ["InvalidRequest", "check_key", "decode_segment", "mixed_case_hint"]  # the rules, also read from here

MAX_UPLOAD_BYTES = 2 * 1024**3  # Amazon Transcribe batch: at most 2 GB per file (aws-facts.md 1.4)
MAX_KEY_BYTES = request_keys.MAX_KEY_BYTES
MAX_BODY_BYTES = 4096  # the request body is a small JSON object; a bigger one is not a request
DEFAULT_EXPIRY_SECONDS = 900
MIN_EXPIRY_SECONDS = 60
MAX_EXPIRY_SECONDS = 3600
MAX_CONTENT_TYPE_CHARS = 200

OCTET_STREAM = "application/octet-stream"
# What a caller that does not say gets: the usual type of each of Transcribe's formats.
CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "mp4": "video/mp4",
    "m4a": "audio/mp4",
    "wav": "audio/wav",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "amr": "audio/amr",
    "webm": "audio/webm",
}
_OTHER_ACCEPTED_TYPES = frozenset({"video/mp4", "video/webm", OCTET_STREAM})
# type/subtype as RFC 9110 tokens; parameters (after ";") are kept as given.
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
# Bucket names as CreateBucket accepts them; the function's environment names the audio bucket.
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
BODY_FIELDS = ("size", "content_type")
EXAMPLE_BODY = '{"size": 12345678, "content_type": "audio/mpeg"}'


@dataclass(frozen=True)
class Settings:
    audio_bucket: str
    expires_in: int
    log_level: str


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The function's environment (AUDIO_BUCKET, URL_EXPIRY_SECONDS, LOG_LEVEL); ConfigError names the variable."""
    bucket = env_str("AUDIO_BUCKET", environ=environ)
    if not _BUCKET_NAME.match(bucket):
        raise ConfigError(f"environment variable AUDIO_BUCKET must be a bare S3 bucket name, got {bucket!r}")
    expires_in = env_int(
        "URL_EXPIRY_SECONDS",
        DEFAULT_EXPIRY_SECONDS,
        minimum=MIN_EXPIRY_SECONDS,
        maximum=MAX_EXPIRY_SECONDS,
        environ=environ,
    )
    return Settings(audio_bucket=bucket, expires_in=expires_in, log_level=env_log_level(environ=environ))


@dataclass(frozen=True)
class UploadRequest:
    folder: str
    name: str
    size: int
    content_type: str
    media_format: str

    @property
    def key(self) -> str:
        return f"{self.folder}/{self.name}"


# --- the body ---------------------------------------------------------------------------------------------------------


def parse_body(body: Any, *, is_base64: bool) -> dict[str, Any]:
    """The JSON object of the request. With binary media types */*, API Gateway hands it over base64-encoded."""
    if body is None or body == "":
        raise InvalidRequest("body", f"expected a JSON object such as {EXAMPLE_BODY}")
    if not isinstance(body, str | bytes):
        raise InvalidRequest("body", "expected a JSON object as the request body")
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if is_base64:
        try:
            raw = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidRequest("body", "isBase64Encoded is set but the body is not base64") from None
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidRequest("body", f"{len(raw)} bytes; expected a small JSON object such as {EXAMPLE_BODY}")
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidRequest("body", f"not JSON; expected a JSON object such as {EXAMPLE_BODY}") from None
    if not isinstance(document, dict):
        raise InvalidRequest("body", f"expected a JSON object such as {EXAMPLE_BODY}")
    unknown = sorted(set(document) - set(BODY_FIELDS))
    if unknown:
        raise InvalidRequest("body", f"unknown field(s) {', '.join(unknown)}; the fields are {', '.join(BODY_FIELDS)}")
    return document


def check_size(size: Any) -> int:
    # JSON true is a Python int; 1e6 and 12.5 are floats: only a whole number of bytes is a size.
    if isinstance(size, bool) or not isinstance(size, int):
        raise InvalidRequest("size", f"expected the file's size as a whole number of bytes, got {json.dumps(size)}")
    if size <= 0:
        raise InvalidRequest("size", f"must be at least 1 byte, got {size} (an empty file cannot be transcribed)")
    if size > MAX_UPLOAD_BYTES:
        raise InvalidRequest(
            "size",
            f"{size} bytes is over Amazon Transcribe's limit of 2 GB ({MAX_UPLOAD_BYTES} bytes) per file; "
            "split or compress the recording",
        )
    return size


def check_content_type(value: Any, media_format: str) -> str:
    """The Content-Type the upload must be sent with (it is signed); the format's usual type when not given."""
    if value is None:
        return CONTENT_TYPES.get(media_format, OCTET_STREAM)
    expected = "audio/*, video/mp4, video/webm or application/octet-stream"
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest("content_type", f"expected a media type ({expected}), got {json.dumps(value)}")
    if len(value) > MAX_CONTENT_TYPE_CHARS or not all(" " <= char <= "~" for char in value):
        raise InvalidRequest("content_type", f"expected a short printable ASCII media type ({expected})")
    media_type = value.split(";", 1)[0].strip().lower()
    accepted = media_type.startswith("audio/") or media_type in _OTHER_ACCEPTED_TYPES
    if not _MEDIA_TYPE.match(media_type) or not accepted:
        raise InvalidRequest("content_type", f"{value!r} is not an accepted type; expected {expected}")
    return value


def check_request(folder: str, name: str, document: Mapping[str, Any]) -> UploadRequest:
    media_format = check_key(folder, name)
    size = check_size(document.get("size"))
    content_type = check_content_type(document.get("content_type"), media_format)
    return UploadRequest(folder, name, size, content_type, media_format)


def request_from_event(event: Any) -> UploadRequest:
    """The upload an API Gateway REST proxy event asks for; InvalidRequest names the first field at fault."""
    folder, name = path_segments(event)
    document = parse_body(event.get("body"), is_base64=bool(event.get("isBase64Encoded")))
    return check_request(folder, name, document)


# --- the answer -------------------------------------------------------------------------------------------------------


def presigned_upload(s3: Any, bucket: str, request: UploadRequest, expires_in: int) -> dict[str, Any]:
    """The response document: a URL for one PUT of exactly this key, type and size, valid `expires_in` seconds.

    Content-Type and Content-Length are signed (SigV4 signs the headers present when signing), so S3 refuses an
    upload of another type or size: the size checked here is the size stored. `If-None-Match: *` is signed too (S3
    conditional writes, https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html, checked
    2026-12-01): S3 stores the object only if the key holds none, and answers 412 Precondition Failed otherwise, so
    one URL creates at most one object and one transcription job, however often it is replayed before it expires.
    The same header makes a presigned upload never replace an existing object: a new file needs a new key. A URL
    cannot outlive the credentials that signed it, whatever `expires_in` says.
    """
    params = {
        "Bucket": bucket,
        "Key": request.key,
        "ContentType": request.content_type,
        "ContentLength": request.size,
        "IfNoneMatch": "*",
    }
    url = s3.generate_presigned_url("put_object", Params=params, ExpiresIn=expires_in, HttpMethod="PUT")
    return {
        "url": url,
        "method": "PUT",
        "headers": {
            "Content-Type": request.content_type,
            "Content-Length": str(request.size),
            "If-None-Match": "*",
        },
        "key": request.key,
        "bucket": bucket,
        "size": request.size,
        "expires_in": expires_in,
    }


def proxy_response(status: int, document: Mapping[str, Any]) -> dict[str, Any]:
    """A Lambda proxy integration response. no-store: the URL is a credential and must not sit in a cache."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
        "body": json.dumps(document, ensure_ascii=False),
        "isBase64Encoded": False,
    }


@dataclass(frozen=True)
class Outcome:
    response: dict[str, Any]  # what API Gateway returns to the caller
    request: UploadRequest | None  # None when the request was refused
    error: str | None  # why it was refused


def respond(event: Any, s3: Any, bucket: str, expires_in: int) -> Outcome:
    """The whole request: check it, then sign. Refusals are 400 with a message naming the field."""
    try:
        request = request_from_event(event)
    except InvalidRequest as err:
        return Outcome(proxy_response(400, {"message": str(err)}), None, str(err))
    return Outcome(proxy_response(200, presigned_upload(s3, bucket, request, expires_in)), request, None)
