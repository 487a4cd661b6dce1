#!/usr/bin/env python3
"""Upload an audio file to a deployment of the module and, with --wait, follow it to its subtitles and images.

    python3 scripts/client.py upload talk.mp3 --folder talks --wait --out results/

The upload needs only the Python standard library. Up to the upload API's 10 MiB body limit it is
`PUT <stage URL>/<folder>/<file name>` with the API key in `x-api-key`, exactly what `terraform output curl_command`
prints. A larger file (up to Amazon Transcribe's 2 GiB) takes two requests: `POST` to the same URL with its size and
type, which answers with a short-lived presigned S3 URL for the same key, then `PUT` of the file to that URL
(--presigned takes this way for any size). --wait reads the buckets with your own AWS credentials (boto3): it finds the
Transcribe job from the uploaded object, shows the progress through transcript and images, and downloads transcript,
subtitles, images, manifest and gallery into --out.

Results with the API key only, over the upload API's GET route (no AWS credentials; --wait uses it too, and falls
back to reading the buckets with your credentials where the deployment has no GET route):

    python3 scripts/client.py status talks/talk.mp3              the status and presigned result links, as JSON
    python3 scripts/client.py fetch talks/talk.mp3 --out talk/   waits, then downloads results and audio: open
                                                                 talk/index.html, it plays offline

Settings, first found wins: the flag, the environment variable, then `terraform output -json` run in
--terraform-dir (default: the current directory), i.e. the outputs of a configuration that deploys the module:

    stage URL          --url                 PIPELINE_STAGE_URL          output stage_url
    API key            --api-key             PIPELINE_API_KEY            output api_key_value
    audio bucket       --audio-bucket        PIPELINE_AUDIO_BUCKET       output audio_bucket_name
    transcript bucket  --transcript-bucket   PIPELINE_TRANSCRIPT_BUCKET  output transcript_bucket_name
    image bucket       --image-bucket        PIPELINE_IMAGE_BUCKET       output image_bucket_name
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

# Shared with the functions: the contract, the job naming (the client computes the same job name they do) and the
# presign function's upload rules (standard library only), so the client refuses what the API would refuse.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "functions"))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # pipeline_client, when run as a file

from pipeline_client import results_route

from pipeline_core import naming
from pipeline_core.contract import CONTRACT
from presign_upload import uploads

# Exit codes, one per kind of failure, so scripts can tell them apart.
EXIT_OK = 0
EXIT_FAILURE = 1  # anything unexpected
EXIT_USAGE = 2  # bad arguments, missing settings, file not found
EXIT_FORBIDDEN = 3  # HTTP 403: API key missing or not accepted
EXIT_TOO_LARGE = 4  # over Amazon Transcribe's 2 GiB per file (or, sent through the API, its 10 MiB limit)
EXIT_UNSUPPORTED = 5  # not a format Amazon Transcribe accepts, or an empty file
EXIT_UPLOAD_FAILED = 6  # any other refusal of the upload, or the API could not be reached
EXIT_PIPELINE = 7  # the pipeline rejected the file or could not transcribe or illustrate it
EXIT_TIMEOUT = 8  # no answer in time: the upload request, or --wait's --timeout

UPLOAD_LIMIT = 10 * 1024 * 1024  # API Gateway's payload limit; it cannot be raised. Larger files go presigned.
MAX_FILE_SIZE = uploads.MAX_UPLOAD_BYTES  # Amazon Transcribe's limit per file; the presign function checks it too
DEFAULT_FOLDER = "uploads"
CONTENT_TYPES = uploads.CONTENT_TYPES
_EXECUTE_API_HOST = re.compile(r"^https://[^./]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/")
_SETTINGS = {  # name -> (environment variable, terraform output)
    "url": ("PIPELINE_STAGE_URL", "stage_url"),
    "api_key": ("PIPELINE_API_KEY", "api_key_value"),
    "audio_bucket": ("PIPELINE_AUDIO_BUCKET", "audio_bucket_name"),
    "transcript_bucket": ("PIPELINE_TRANSCRIPT_BUCKET", "transcript_bucket_name"),
    "image_bucket": ("PIPELINE_IMAGE_BUCKET", "image_bucket_name"),
}


class ClientFailure(Exception):
    """A failure with the message the user sees and the exit code it ends with."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(ClientFailure):
    exit_code = EXIT_USAGE


class ForbiddenError(ClientFailure):
    exit_code = EXIT_FORBIDDEN


class TooLargeError(ClientFailure):
    exit_code = EXIT_TOO_LARGE


class UnsupportedFileError(ClientFailure):
    exit_code = EXIT_UNSUPPORTED


class UploadFailedError(ClientFailure):
    exit_code = EXIT_UPLOAD_FAILED


class PipelineError(ClientFailure):
    exit_code = EXIT_PIPELINE


class WaitTimeoutError(ClientFailure):
    exit_code = EXIT_TIMEOUT


# --- settings -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deployment:
    url: str | None = None
    api_key: str | None = None
    audio_bucket: str | None = None
    transcript_bucket: str | None = None
    image_bucket: str | None = None
    sources: dict[str, str] = field(default_factory=dict)  # setting -> where it came from, for error messages

    @property
    def region(self) -> str | None:
        """The Region in an execute-api stage URL; the buckets live there too."""
        match = _EXECUTE_API_HOST.match(self.url or "")
        return match.group(1) if match else None


def terraform_outputs(directory: Path, run: Callable[..., Any] = subprocess.run) -> dict[str, Any]:
    """`terraform output -json` in `directory` as {name: value}; empty when Terraform or its state is not there."""
    if shutil.which("terraform") is None:
        return {}
    try:
        done = run(["terraform", f"-chdir={directory}", "output", "-json"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    if done.returncode != 0:
        return {}
    try:
        outputs = json.loads(done.stdout or "{}")
    except json.JSONDecodeError:
        return {}
    return {name: item.get("value") for name, item in outputs.items() if isinstance(item, dict)}


def resolve_deployment(
    flags: Mapping[str, str | None],
    environ: Mapping[str, str],
    outputs: Callable[[], Mapping[str, Any]],
) -> Deployment:
    """Each setting from the flag, else the environment variable, else the Terraform output (read only if needed)."""
    values: dict[str, str | None] = {}
    sources: dict[str, str] = {}
    terraform: Mapping[str, Any] | None = None
    for name, (variable, output) in _SETTINGS.items():
        if flags.get(name):
            values[name], sources[name] = flags[name], "flag"
        elif environ.get(variable):
            values[name], sources[name] = environ[variable], variable
        else:
            if terraform is None:
                terraform = outputs()
            value = terraform.get(output)
            values[name] = str(value) if value else None
            if value:
                sources[name] = f"terraform output {output}"
    if values["url"]:
        values["url"] = values["url"].rstrip("/")
        if not values["url"].startswith(("https://", "http://")):
            raise UsageError(f"stage URL {values['url']!r} (from {sources['url']}): expected an https:// URL")
    return Deployment(**values, sources=sources)


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
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
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
    if size > MAX_FILE_SIZE:
        raise TooLargeError(
            f"{path.name} is {size / 1024**3:.2f} GiB; Amazon Transcribe takes at most 2 GiB ({MAX_FILE_SIZE} bytes) "
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


def human_size(size: int) -> str:
    return f"{size / 1024:.0f} KiB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MiB"


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
        return WaitTimeoutError(f"{what} did not answer within {timeout:.0f} s ({url})")
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
    """Store the file at `{folder}/{name}`: through the upload API up to its 10 MiB limit, above it (or with
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
    """`PUT <stage URL>/<folder>/<name>`: API Gateway stores the body in the audio bucket (at most 10 MiB)."""
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
                f"{UPLOAD_LIMIT // 1024 // 1024} MiB cannot go through the API, or the stage URL is wrong (it ends in "
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
        limit = UPLOAD_LIMIT // 1024 // 1024
        failure = TooLargeError(f"HTTP 413: the file is over the upload API's {limit} MiB limit ({message})")
    elif status == 429:
        failure = UploadFailedError(f"HTTP 429: too many requests, or the API key's quota is used up ({message})")
    else:
        failure = UploadFailedError(f"HTTP {status} from the upload API: {message}")
    return failure


# --- follow ---------------------------------------------------------------------------------------------------------


class Progress:
    """Stage changes as lines with the elapsed time; on a terminal also a spinner line while waiting."""

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self._spinner = itertools.cycle("|/-\\")
        self._waiting = False
        self._last_transfer = 0.0
        self._quarters_shown = 0

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def stage(self, message: str) -> None:
        if self.quiet:
            return
        self._clear()
        self.stream.write(f"[{self.elapsed():6.1f}s] {message}\n")
        self.stream.flush()

    def waiting(self, what: str) -> None:
        if self.quiet or not self.tty:
            return
        self.stream.write(f"\r{next(self._spinner)} waiting for {what} ({self.elapsed():.0f} s) ")
        self.stream.flush()
        self._waiting = True

    def transfer(self, sent: int, total: int) -> None:
        """Bytes sent so far: a line rewritten in place on a terminal, else a line at each quarter."""
        if self.quiet or total <= 0:
            return
        percent = min(100, sent * 100 // total)
        if self.tty:
            now = time.monotonic()
            if percent < 100 and now - self._last_transfer < 0.2:
                return
            self._last_transfer = now
            self.stream.write(f"\r  sent {percent:3d}% ({human_size(sent)} of {human_size(total)}) ")
            self.stream.flush()
            self._waiting = True
            if percent == 100:
                self._clear()
            return
        quarter = percent // 25
        if quarter > self._quarters_shown:
            self._quarters_shown = quarter
            self.stage(f"sent {quarter * 25}% ({human_size(sent)} of {human_size(total)})")
        if percent == 100:
            self._quarters_shown = 0  # ready for the next transfer

    def _clear(self) -> None:
        if self._waiting:
            self.stream.write("\r\033[K")
            self._waiting = False


@dataclass
class Followed:
    job: str
    manifest: dict[str, Any]
    transcript_keys: dict[str, str]  # "json"/"srt"/"vtt" -> key, for the ones that exist
    stage_seconds: dict[str, float] = field(default_factory=dict)  # stage -> seconds since following began


def _error_code(err: Exception) -> str:
    response = getattr(err, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def _exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except Exception as err:
        if _error_code(err) in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def _read_json(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except Exception as err:
        if _error_code(err) in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    document = json.loads(body)
    return document if isinstance(document, dict) else None


def candidate_jobs(bucket: str, key: str, head: Mapping[str, Any]) -> list[str]:
    """The job names the transcription function may have given the upload (see naming.candidate_job_names)."""
    return naming.candidate_job_names(bucket, key, str(head.get("ETag", "")), head.get("VersionId"))


def follow(
    key: str,
    deployment: Deployment,
    s3: Any,
    *,
    transcribe: Any = None,
    timeout: float = 1800.0,
    poll_seconds: float = 5.0,
    progress: Progress | None = None,
) -> Followed:
    """Wait until the image function has written the manifest for the uploaded `key`; raise on rejection, failure
    or timeout. `transcribe` (optional) lets a FAILED Transcribe job end the wait at once instead of timing out."""
    progress = progress or Progress(quiet=True)
    audio, transcripts, images = deployment.audio_bucket, deployment.transcript_bucket, deployment.image_bucket
    if not (audio and transcripts and images):
        missing = [n for n, v in (("audio", audio), ("transcript", transcripts), ("image", images)) if not v]
        raise UsageError(
            f"--wait needs the bucket names ({', '.join(missing)} missing): pass --{missing[0]}-bucket or set "
            f"PIPELINE_{missing[0].upper()}_BUCKET, or run where `terraform output` knows the deployment"
        )
    try:
        head = s3.head_object(Bucket=audio, Key=key)
    except Exception as err:
        raise ClientFailure(f"cannot read s3://{audio}/{key} with your AWS credentials: {err}") from None
    candidates = candidate_jobs(audio, key, head)
    deadline = time.monotonic() + timeout
    stages: dict[str, float] = {}
    job: str | None = None
    transcript_ready = False
    images_seen = -1
    retry_note: str | None = None
    check_transcribe = transcribe is not None
    progress.stage(f"following s3://{audio}/{key}")
    while True:
        # A rejection record can appear before the job starts (format, size, length) or after it (Transcribe failed
        # the job), so it is looked for until the transcript exists.
        for name in candidates if job is None else [] if transcript_ready else [job]:
            rejection = _read_json(s3, transcripts, naming.rejection_key(name))
            if rejection is not None:
                raise PipelineError(
                    f"the transcription function rejected {key}: {rejection.get('reason')}: "
                    f"{rejection.get('detail')} (s3://{transcripts}/{naming.rejection_key(name)})"
                )
        if job is None:
            for name in candidates:
                if _exists(s3, transcripts, naming.job_record_key(name)):
                    job = name
                    stages["job started"] = progress.elapsed()
                    progress.stage(f"transcription job started: {job}")
                    break
        if job is not None and not transcript_ready:
            if _exists(s3, transcripts, naming.transcript_key(job)):
                transcript_ready = True
                stages["transcript"] = progress.elapsed()
                progress.stage(f"transcript written: s3://{transcripts}/{naming.transcript_key(job)}")
            elif check_transcribe:
                check_transcribe = _check_transcription_job(transcribe, job)
        if transcript_ready and job is not None:
            manifest = _read_json(s3, images, naming.manifest_key(job))
            if manifest is not None and not manifest.get("retryable"):
                stages["manifest"] = progress.elapsed()
                return _finished(s3, deployment, job, manifest, stages=stages, progress=progress)
            if manifest is not None and manifest.get("reason") != retry_note:
                # Every scene failed for a transient reason; Lambda retries the event, so keep waiting.
                retry_note = manifest.get("reason")
                progress.stage(f"images failed for now, the event is retried: {retry_note}")
            count = _count_images(s3, images, job)
            if count != images_seen:
                if count:
                    progress.stage(f"images written so far: {count}")
                images_seen = count
        if time.monotonic() > deadline:
            waiting_for = (
                "the transcription job to start"
                if job is None
                else ("the transcript" if not transcript_ready else "the images and manifest")
            )
            last = f"; the last manifest says: {retry_note}" if retry_note else ""
            raise WaitTimeoutError(
                f"gave up after {timeout:.0f} s waiting for {waiting_for} of {key}{last}; the pipeline may still "
                "finish (run again with a longer --timeout)"
            )
        progress.waiting(
            "the transcription job" if job is None else "the transcript" if not transcript_ready else "the images"
        )
        time.sleep(poll_seconds)


def _check_transcription_job(transcribe: Any, job: str) -> bool:
    """Raise if the job FAILED; False when the caller may not read jobs (then only the buckets are watched)."""
    try:
        status = transcribe.get_transcription_job(TranscriptionJobName=job)["TranscriptionJob"]
    except Exception as err:
        if _error_code(err) in ("AccessDeniedException", "AccessDenied", "UnrecognizedClientException"):
            return False
        if _error_code(err) == "BadRequestException":  # not visible yet
            return True
        raise
    if status.get("TranscriptionJobStatus") == "FAILED":
        reason = status.get("FailureReason", "no reason given")
        raise PipelineError(f"Amazon Transcribe could not transcribe the file: {reason} (job {job})")
    return True


def _count_images(s3: Any, bucket: str, job: str) -> int:
    response = s3.list_objects_v2(Bucket=bucket, Prefix=naming.image_prefix(job))
    return sum(1 for item in response.get("Contents", []) if item["Key"].endswith(".png"))


def _finished(
    s3: Any,
    deployment: Deployment,
    job: str,
    manifest: dict[str, Any],
    *,
    stages: dict[str, float],
    progress: Progress,
) -> Followed:
    status = manifest.get("status")
    ok = [scene for scene in manifest.get("scenes", []) if scene.get("status") == "ok"]
    progress.stage(
        f"manifest written: status {status}, {len(ok)} of {len(manifest.get('scenes', []))} scenes illustrated"
    )
    transcript_keys = {"json": naming.transcript_key(job)}
    for fmt in CONTRACT.subtitle_formats:
        if _exists(s3, str(deployment.transcript_bucket), naming.subtitle_key(job, fmt)):
            transcript_keys[fmt] = naming.subtitle_key(job, fmt)
    followed = Followed(job, manifest, transcript_keys, stages)
    if status == "failed":
        raise PipelineError(f"the image function could not illustrate the transcript: {manifest.get('reason')}")
    return followed


def download(s3: Any, deployment: Deployment, followed: Followed, out_dir: Path) -> list[Path]:
    """Transcript, subtitles, images, manifest and gallery into `out_dir`, side by side as the gallery expects."""
    out_dir.mkdir(parents=True, exist_ok=True)
    wanted: list[tuple[str, str, str]] = [
        (str(deployment.transcript_bucket), key, f"transcript.{fmt}") for fmt, key in followed.transcript_keys.items()
    ]
    for scene in followed.manifest.get("scenes", []):
        if scene.get("status") == "ok" and scene.get("image_key"):
            wanted.append((str(deployment.image_bucket), scene["image_key"], posixpath.basename(scene["image_key"])))
    wanted.append((str(deployment.image_bucket), naming.manifest_key(followed.job), CONTRACT.manifest_name))
    wanted.append((str(deployment.image_bucket), naming.gallery_key(followed.job), CONTRACT.gallery_name))
    written = []
    for bucket, key, name in wanted:
        target = out_dir / name
        target.write_bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        written.append(target)
    return written


def aws_clients(deployment: Deployment) -> tuple[Any, Any]:
    """S3 and Transcribe clients with the user's credentials, in the deployment's Region when the URL tells it."""
    import boto3

    session = boto3.session.Session(region_name=deployment.region) if deployment.region else boto3.session.Session()
    return session.client("s3"), session.client("transcribe")


# --- command line ---------------------------------------------------------------------------------------------------


EXIT_CODES = (
    "exit codes: 0 done, 1 unexpected error, 2 usage or missing setting, 3 API key missing or refused (403), "
    "4 file too large (over 2 GiB, Amazon Transcribe's limit), 5 unsupported format or empty file, 6 upload failed, "
    "7 rejected or failed in the pipeline, 8 timed out"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="client.py",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EXIT_CODES,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser(
        "upload",
        help="upload an audio file",
        description=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EXIT_CODES,
    )
    up.add_argument("file", type=Path, help="the audio file (" + ", ".join(sorted(CONTRACT.media_formats)) + ")")
    up.add_argument(
        "--folder", default=DEFAULT_FOLDER, help=f"folder (key prefix) in the audio bucket (default: {DEFAULT_FOLDER})"
    )
    up.add_argument(
        "--presigned",
        action="store_true",
        help=f"upload through a presigned S3 URL whatever the size (the way above {UPLOAD_LIMIT // 2**20} MiB)",
    )
    up.add_argument("--wait", action="store_true", help="follow the file through transcript and images")
    up.add_argument(
        "--out",
        type=Path,
        help="with --wait: download the results into this folder (default: ./<file name without extension>)",
    )
    up.add_argument(
        "--timeout", type=float, default=1800.0, help="with --wait: give up after this many seconds (default: 1800)"
    )
    up.add_argument("--poll", type=float, default=5.0, help="with --wait: seconds between checks (default: 5)")
    up.add_argument(
        "--request-timeout", type=float, default=60.0, help="seconds to wait for the upload API's answer (default: 60)"
    )
    up.add_argument("--url", help="stage URL, e.g. https://abc123.execute-api.us-east-1.amazonaws.com/v1")
    up.add_argument("--api-key", help="API key (sent as x-api-key)")
    up.add_argument("--audio-bucket")
    up.add_argument("--transcript-bucket")
    up.add_argument("--image-bucket")
    up.add_argument(
        "--terraform-dir", type=Path, default=Path("."), help="where `terraform output -json` is run (default: .)"
    )
    up.add_argument("--quiet", action="store_true", help="print only the results")
    for name, text in (
        ("status", "print the upload's status and presigned result links (GET route, API key only)"),
        ("fetch", "wait until the upload is done, then download its results and audio into a folder that plays"),
    ):
        sub = commands.add_parser(name, help=text, description=text, epilog=EXIT_CODES)
        sub.add_argument("key", help="FOLDER/NAME, the key the upload printed (e.g. talks/talk.mp3)")
        sub.add_argument("--url", help="stage URL, e.g. https://abc123.execute-api.us-east-1.amazonaws.com/v1")
        sub.add_argument("--api-key", help="API key (sent as x-api-key)")
        sub.add_argument(
            "--terraform-dir", type=Path, default=Path("."), help="where `terraform output -json` is run (default: .)"
        )
        if name == "fetch":
            sub.add_argument("--out", type=Path, help="folder for the results (default: ./<name without extension>)")
            sub.add_argument("--timeout", type=float, default=1800.0, help="give up after this many seconds")
            sub.add_argument("--poll", type=float, default=5.0, help="seconds between checks (default: 5)")
            sub.add_argument("--quiet", action="store_true", help="print only the folder's index.html")
    return parser


def run_upload(args: argparse.Namespace, environ: Mapping[str, str], out: TextIO) -> int:
    audio = check_file(args.file)
    folder = check_folder(args.folder)
    deployment = resolve_deployment(
        {name: getattr(args, name) for name in _SETTINGS},
        environ,
        lambda: terraform_outputs(args.terraform_dir),
    )
    if not deployment.url:
        raise UsageError(
            "no stage URL: pass --url, set PIPELINE_STAGE_URL, or run in (or point --terraform-dir at) the Terraform "
            "configuration of the deployment so that `terraform output -json` has stage_url"
        )
    check_key(folder, audio)
    progress = Progress(quiet=args.quiet)
    presigned = args.presigned or audio.size > UPLOAD_LIMIT
    what = f"uploading {audio.name} ({human_size(audio.size)}) to {folder}/"
    if not presigned:
        progress.stage(f"{what} through the upload API")
    elif audio.size > UPLOAD_LIMIT:
        progress.stage(f"{what}: over the upload API's {UPLOAD_LIMIT // 2**20} MiB limit, via a presigned S3 URL")
    else:
        progress.stage(f"{what} through a presigned S3 URL (--presigned)")
    uploaded = upload(
        audio,
        stage_url=deployment.url,
        api_key=deployment.api_key,
        folder=folder,
        timeout=args.request_timeout,
        presigned=presigned,
        progress=progress,
    )
    progress.stage(
        f"uploaded: HTTP {uploaded.status} in {uploaded.seconds:.2f} s "
        f"({human_size(round(uploaded.size / max(uploaded.seconds, 1e-3)))}/s), key {uploaded.key}"
    )
    if not args.wait:
        out.write(f"{uploaded.key}\n")
        return EXIT_OK
    out_dir = args.out or Path(audio.path.stem)
    try:
        return _wait_over_the_api(deployment, uploaded.key, args, progress=progress, out_dir=out_dir, out=out)
    except results_route.RouteFailure as failure:
        if "no GET route" not in str(failure):
            raise ClientFailure(str(failure), failure.exit_code) from None
        progress.stage("the upload API has no GET route: following the buckets with your AWS credentials instead")
    try:
        import boto3  # noqa: F401 - only --wait without the GET route needs it
    except ImportError:
        raise UsageError("--wait needs boto3 (pip install boto3); the upload itself does not") from None
    from botocore.exceptions import BotoCoreError, ClientError

    s3, transcribe = aws_clients(deployment)
    try:
        followed = follow(
            uploaded.key,
            deployment,
            s3,
            transcribe=transcribe,
            timeout=args.timeout,
            poll_seconds=args.poll,
            progress=progress,
        )
        files = download(s3, deployment, followed, out_dir)
    except (BotoCoreError, ClientError) as err:
        raise ClientFailure(f"reading the deployment's buckets with your AWS credentials failed: {err}") from None
    progress.stage(f"downloaded {len(files)} files into {out_dir}")
    out.write(f"{out_dir / CONTRACT.gallery_name}\n")
    return EXIT_OK


def _progress_reporter(progress: Progress) -> Callable[[dict[str, Any]], None]:
    """Each new state as a line; the job's start once, even when the file passed that state between two checks."""
    seen: set[str] = set()

    def report(document: dict[str, Any]) -> None:
        job = document.get("job_name")
        if job and job not in seen:
            seen.add(job)
            progress.stage(f"transcription job started: {job}")
        progress.stage(results_route.describe(document))

    return report


def _wait_over_the_api(
    deployment: Deployment, key: str, args: argparse.Namespace, *, progress: Progress, out_dir: Path, out: TextIO
) -> int:
    """Follow the upload with GET /{folder}/{object} (API key only) and fetch its results into `out_dir`."""
    document = results_route.wait(
        str(deployment.url),
        deployment.api_key,
        key,
        timeout=args.timeout,
        poll_seconds=args.poll,
        on_change=_progress_reporter(progress),
    )
    _check_finished(document)
    files = results_route.fetch(document, out_dir)
    progress.stage(f"downloaded {len(files)} files into {out_dir}")
    out.write(f"{out_dir / CONTRACT.gallery_name}\n")
    return EXIT_OK


def _check_finished(document: Mapping[str, Any]) -> None:
    if document.get("status") == "rejected":
        raise PipelineError(
            f"the pipeline rejected {document.get('key')}: {document.get('reason')}: {document.get('detail')}"
        )
    if document.get("status") == "failed":
        raise PipelineError(f"the image function could not illustrate the transcript: {document.get('reason')}")


def _route_settings(args: argparse.Namespace, environ: Mapping[str, str]) -> Deployment:
    deployment = resolve_deployment(
        {name: getattr(args, name, None) for name in _SETTINGS}, environ, lambda: terraform_outputs(args.terraform_dir)
    )
    if not deployment.url:
        raise UsageError(
            "no stage URL: pass --url, set PIPELINE_STAGE_URL, or run where `terraform output` has stage_url"
        )
    return deployment


def _results_key(value: str) -> str:
    folder, _, name = value.partition("/")
    if not folder or not name or "/" in name:
        raise UsageError(f"{value!r}: expected FOLDER/NAME, the key the upload printed (e.g. talks/talk.mp3)")
    return value


def run_status(args: argparse.Namespace, environ: Mapping[str, str], out: TextIO) -> int:
    deployment = _route_settings(args, environ)
    try:
        document = results_route.ask(str(deployment.url), deployment.api_key, _results_key(args.key))
    except results_route.RouteFailure as failure:
        raise ClientFailure(str(failure), failure.exit_code) from None
    out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return EXIT_PIPELINE if document.get("status") in ("rejected", "failed") else EXIT_OK


def run_fetch(args: argparse.Namespace, environ: Mapping[str, str], out: TextIO) -> int:
    deployment = _route_settings(args, environ)
    key = _results_key(args.key)
    progress = Progress(quiet=args.quiet)
    out_dir = args.out or Path(posixpath.splitext(posixpath.basename(key))[0])
    try:
        document = results_route.wait(
            str(deployment.url),
            deployment.api_key,
            key,
            timeout=args.timeout,
            poll_seconds=args.poll,
            on_change=_progress_reporter(progress),
        )
        _check_finished(document)
        files = results_route.fetch(document, out_dir)
    except results_route.RouteFailure as failure:
        raise ClientFailure(str(failure), failure.exit_code) from None
    progress.stage(f"downloaded {len(files)} files into {out_dir} (open index.html: the audio is beside it)")
    out.write(f"{out_dir / CONTRACT.gallery_name}\n")
    return EXIT_OK


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None, out: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    run = {"upload": run_upload, "status": run_status, "fetch": run_fetch}[args.command]
    try:
        return run(args, os.environ if environ is None else environ, out or sys.stdout)
    except ClientFailure as failure:
        sys.stderr.write(f"error: {failure}\n")
        return failure.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
