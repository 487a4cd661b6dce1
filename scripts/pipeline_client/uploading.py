"""The file's checks and its upload: PUT through the API up to 10 MB, a presigned S3 URL above."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cli_common import audio as audio_signature
from cli_common.errors import CliError
from cli_common.inputs import readable_file

from pipeline_client.errors import (
    ClientFailure,
    ForbiddenError,
    TooLargeError,
    UnsupportedFileError,
    UploadFailedError,
    UsageError,
    WaitTimeoutError,
)
from pipeline_client.progress import Progress
from pipeline_core import naming
from pipeline_core.contract import CONTRACT
from pipeline_core.units import MB, format_duration, format_size
from presign_upload import uploads

UPLOAD_LIMIT = 10 * MB  # API Gateway's payload limit; it cannot be raised. Larger files go presigned.
MAX_FILE_SIZE = uploads.MAX_UPLOAD_BYTES  # Amazon Transcribe's limit per file; the presign function checks it too
DEFAULT_FOLDER = "uploads"
CONTENT_TYPES = uploads.CONTENT_TYPES


# --- the file -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AudioFile:
    path: Path
    name: str
    size: int
    media_format: str
    content_type: str


def check_file(path: Path) -> AudioFile:
    """What the pipeline would refuse, refused before anything is sent."""
    try:
        readable_file(path, "audio file")
    except CliError as err:
        raise UsageError(str(err)) from None
    media_format = naming.media_format(path.name)
    if media_format is None:
        accepted = ", ".join(f".{fmt}" for fmt in sorted(CONTRACT.media_formats))
        found = f"'{path.suffix}'" if path.suffix else "no extension"
        raise UnsupportedFileError(
            f"{path.name}: unsupported format ({found}); Amazon Transcribe accepts {accepted} (all lower or all upper "
            "case). Nothing was uploaded."
        )
    hint = uploads.mixed_case_hint(path.name)
    if hint is not None:
        raise UnsupportedFileError(f"{path.name}: {hint}. Nothing was uploaded.")
    size = path.stat().st_size
    if size == 0:
        raise UnsupportedFileError(f"{path.name}: the file is empty; nothing was uploaded")
    wrong = audio_signature.mismatch(path, media_format)
    if wrong is not None:
        raise UnsupportedFileError(f"{path.name}: {wrong}. Nothing was uploaded.")
    if size > MAX_FILE_SIZE:
        raise TooLargeError(
            f"{path.name} is {format_size(size)}; Amazon Transcribe takes at most 2 GB ({MAX_FILE_SIZE} bytes) "
            "per file. Split the recording, or compress it (e.g. to MP3). Nothing was uploaded."
        )
    return AudioFile(path, path.name, size, media_format, CONTENT_TYPES.get(media_format, uploads.OCTET_STREAM))


def check_folder(folder: str) -> str:
    if not folder or "/" in folder or folder in (".", ".."):
        raise UsageError(
            f"--folder {folder!r}: give one folder name without '/' (the API's path is /{{folder}}/{{object}})"
        )
    return folder


def check_key(folder: str, audio: AudioFile) -> str:
    """The key the upload is stored at, checked as the presign function checks it (e.g. S3's 1024-byte limit)."""
    try:
        uploads.check_key(folder, audio.name)
    except uploads.InvalidRequest as err:
        raise UsageError(f"{folder}/{audio.name}: {err.detail}. Nothing was uploaded.") from None
    return f"{folder}/{audio.name}"


def object_url(stage_url: str, folder: str, name: str) -> str:
    """Each path segment percent-encoded (spaces, '+', non-ASCII); API Gateway decodes them into the key."""
    return f"{stage_url.rstrip('/')}/{quote(folder, safe='')}/{quote(name, safe='')}"


# --- upload ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Uploaded:
    key: str
    url: str
    status: int
    etag: str | None
    size: int
    seconds: float
    via: str = "upload API"  # or "presigned URL"


def _response_message(body: bytes) -> str:
    """The message of an API Gateway JSON error or of an S3 XML error document passed through."""
    text = body.decode("utf-8", "replace").strip()
    try:
        document = json.loads(text)
        if isinstance(document, dict) and document.get("message"):
            return str(document["message"])
    except json.JSONDecodeError:
        pass
    found = re.search(r"<Message>(.*?)</Message>", text, re.DOTALL)
    return found.group(1) if found else text[:300]


def _s3_error_code(body: bytes) -> str:
    found = re.search(r"<Code>(.*?)</Code>", body.decode("utf-8", "replace"), re.DOTALL)
    return found.group(1) if found else ""


class _CountingReader:
    """The file as the request body, reporting each chunk read so progress can be shown."""

    def __init__(self, file: Any, report: Callable[[int], None]) -> None:
        self._file = file
        self._report = report
        self.sent = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._file.read(size)
        if chunk:
            self.sent += len(chunk)
            self._report(self.sent)
        return chunk


def _transport_failure(err: Exception, url: str, timeout: float, what: str) -> ClientFailure:
    reason = err.reason if isinstance(err, urllib.error.URLError) else err
    if isinstance(reason, TimeoutError):
        return WaitTimeoutError(f"{what} did not answer within {format_duration(timeout)} ({url})")
    return UploadFailedError(f"could not reach {what} at {url}: {reason}")


def upload(
    audio: AudioFile,
    *,
    stage_url: str,
    api_key: str | None,
    folder: str,
    timeout: float = 60.0,
    presigned: bool | None = None,
    progress: Progress | None = None,
) -> Uploaded:
    """Store the file at `{folder}/{name}`: through the upload API up to its 10 MB limit, above it (or with
    presigned=True) through a presigned S3 URL the API hands out for the same key."""
    progress = progress or Progress(quiet=True)
    use_presigned = audio.size > UPLOAD_LIMIT if presigned is None else presigned
    if use_presigned:
        return upload_presigned(
            audio, stage_url=stage_url, api_key=api_key, folder=folder, timeout=timeout, progress=progress
        )
    return upload_direct(audio, stage_url=stage_url, api_key=api_key, folder=folder, timeout=timeout, progress=progress)


def upload_direct(
    audio: AudioFile,
    *,
    stage_url: str,
    api_key: str | None,
    folder: str,
    timeout: float = 60.0,
    progress: Progress | None = None,
) -> Uploaded:
    """`PUT <stage URL>/<folder>/<name>`: API Gateway stores the body in the audio bucket (at most 10 MB)."""
    progress = progress or Progress(quiet=True)
    key = f"{folder}/{audio.name}"
    url = object_url(stage_url, folder, audio.name)
    headers = {"Content-Type": audio.content_type, "Content-Length": str(audio.size)}
    if api_key:
        headers["x-api-key"] = api_key
    started = time.monotonic()
    try:
        with audio.path.open("rb") as file:
            body = _CountingReader(file, lambda sent: progress.transfer(sent, audio.size))
            # The user's own stage URL; resolve_deployment refused anything but http(s).
            request = urllib.request.Request(url, data=body, method="PUT", headers=headers)  # noqa: S310
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                response.read()
                return Uploaded(
                    key, url, response.status, response.headers.get("ETag"), audio.size, time.monotonic() - started
                )
    except urllib.error.HTTPError as err:
        raise _http_failure(err.code, _response_message(err.read()), url, api_key) from None
    except (TimeoutError, urllib.error.URLError) as err:
        raise _transport_failure(err, url, timeout, "the upload API") from None


def request_upload_url(
    audio: AudioFile, *, stage_url: str, api_key: str | None, folder: str, timeout: float = 60.0
) -> dict[str, Any]:
    """`POST <stage URL>/<folder>/<name>` with size and type: the presigned PUT (url, headers, key, expires_in)."""
    key = f"{folder}/{audio.name}"
    url = object_url(stage_url, folder, audio.name)
    headers = {"Content-Type": "application/json"}
    if api_key:
        headers["x-api-key"] = api_key
    body = json.dumps({"size": audio.size, "content_type": audio.content_type}).encode("utf-8")
    try:
        request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            answer = json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        message = _response_message(err.read())
        if err.code == 403 and message == "Missing Authentication Token":
            raise UsageError(
                f"HTTP 403 from POST {url}: no presigned upload route. Either the deployment has it turned off "
                "(presigned_upload_enabled = false), so files over "
                f"{format_size(UPLOAD_LIMIT)} cannot go through the API, or the stage URL is wrong (it ends in "
                "the stage name, e.g. /v1)"
            ) from None
        if err.code == 400:
            raise UploadFailedError(f"HTTP 400: the upload API refused to sign the upload: {message}") from None
        raise _http_failure(err.code, message, url, api_key) from None
    except (TimeoutError, urllib.error.URLError) as err:
        raise _transport_failure(err, url, timeout, "the upload API") from None
    except json.JSONDecodeError:
        raise UploadFailedError(f"POST {url} answered 200 without a JSON body; is this the upload API?") from None
    if not isinstance(answer, dict) or not str(answer.get("url", "")).startswith(("https://", "http://")):
        raise UploadFailedError(f"POST {url} answered 200 without an upload URL: {str(answer)[:200]}")
    if answer.get("key") != key or answer.get("method", "PUT") != "PUT":
        # The API derives the key from the path as the direct PUT does; anything else is a bug to report, not a
        # place to store the file.
        raise UploadFailedError(
            f"the upload API signed a {answer.get('method')} of {answer.get('key')!r}, not a PUT of {key!r}; "
            "nothing was uploaded"
        )
    return answer


def upload_presigned(
    audio: AudioFile,
    *,
    stage_url: str,
    api_key: str | None,
    folder: str,
    timeout: float = 60.0,
    progress: Progress | None = None,
) -> Uploaded:
    """POST for a presigned S3 URL, then PUT the file there with exactly the signed headers (type and length)."""
    progress = progress or Progress(quiet=True)
    started = time.monotonic()
    answer = request_upload_url(audio, stage_url=stage_url, api_key=api_key, folder=folder, timeout=timeout)
    url, key = str(answer["url"]), str(answer["key"])
    progress.stage(f"presigned S3 URL for {key}, valid {answer.get('expires_in', '?')} s")
    # Only the signed headers: the API key is for API Gateway and must not travel to S3.
    headers = {str(name): str(value) for name, value in dict(answer.get("headers") or {}).items()}
    headers.setdefault("Content-Length", str(audio.size))
    shown = url.split("?", 1)[0]  # the query string is the credential: never in a message
    try:
        with audio.path.open("rb") as file:
            body = _CountingReader(file, lambda sent: progress.transfer(sent, audio.size))
            request = urllib.request.Request(url, data=body, method="PUT", headers=headers)  # noqa: S310
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                response.read()
                etag = response.headers.get("ETag")
                status = response.status
    except urllib.error.HTTPError as err:
        raise _s3_failure(err.code, err.read(), shown) from None
    except (TimeoutError, urllib.error.URLError) as err:
        raise _transport_failure(err, shown, timeout, "Amazon S3") from None
    return Uploaded(key, shown, status, etag, audio.size, time.monotonic() - started, via="presigned URL")


def _s3_failure(status: int, body: bytes, url: str) -> ClientFailure:
    code, message = _s3_error_code(body), _response_message(body)
    if status == 403 and "expired" in message.lower():
        return UploadFailedError(f"HTTP 403 from S3: the presigned URL expired ({message}); run the upload again")
    if code == "SignatureDoesNotMatch":
        return UploadFailedError(
            f"HTTP 403 from S3: the upload does not match the signed URL ({message}): the file changed after it was "
            "measured, or a proxy altered the request; run the upload again"
        )
    if status == 412 or code == "PreconditionFailed":
        # The URL is signed with If-None-Match: * (one URL, one object): the key already holds an object.
        return UploadFailedError(
            f"HTTP 412 from S3: {url} already holds an object, and a presigned upload never replaces one; "
            "upload under another name (or delete the old object first)"
        )
    return UploadFailedError(f"HTTP {status} from S3 for the presigned upload to {url}: {code or message}")


def _http_failure(status: int, message: str, url: str, api_key: str | None) -> ClientFailure:
    key_hint = "terraform output -raw api_key_value"
    failure: ClientFailure
    if status == 403 and message == "Missing Authentication Token":
        # API Gateway's answer for a path or method it does not have: the URL is wrong, not the key.
        failure = UsageError(
            f"HTTP 403 from {url}: no such upload resource; check the stage URL (it ends in the stage name, e.g. /v1)"
        )
    elif status == 403 and message == "Forbidden" and not api_key:
        failure = ForbiddenError(
            "HTTP 403 Forbidden: the upload API requires an API key; "
            f"pass --api-key or set PIPELINE_API_KEY ({key_hint})"
        )
    elif status == 403 and message == "Forbidden":
        failure = ForbiddenError(
            f"HTTP 403 Forbidden: the API key was not accepted; check --api-key / PIPELINE_API_KEY against {key_hint}"
        )
    elif status == 403:
        failure = ForbiddenError(f"HTTP 403: the upload was refused ({message})")
    elif status == 413:
        failure = TooLargeError(
            f"HTTP 413: the file is over the upload API's {format_size(UPLOAD_LIMIT)} limit ({message})"
        )
    elif status == 429:
        failure = UploadFailedError(f"HTTP 429: too many requests, or the API key's quota is used up ({message})")
    else:
        failure = UploadFailedError(f"HTTP {status} from the upload API: {message}")
    return failure
