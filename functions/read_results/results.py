"""Rules of the results function: what `GET /{folder}/{object}` answers about one upload, from the objects the
pipeline writes, with no database.

State, derived in this order from the upload's object in the audio bucket and the job name its key and content give
(pipeline_core.naming.job_name):
    no object at the key                         -> 404 JSON
    errors/<job>.json (transcript bucket)        -> rejected (the record's reason and detail), also for a FAILED job
    no jobs/<job>.json                           -> uploaded (the transcription function has not started a job yet)
    <job>/manifest.json, retryable false         -> its status: complete, partial or failed ("no speech" is complete,
                                                    with the manifest's reason)
    <job>/manifest.json, retryable true          -> illustrating (every scene failed for now; the event is retried)
    transcripts/<job>.json                       -> illustrating
    otherwise                                    -> transcribing
Every link is a presigned GET URL valid `expires_in` seconds. `?format=html` answers the player page with those URLs.
The `player` link is the bucket copy of the page, for downloading beside its files (it names them relatively, and a
relative name resolves to an unsigned URL); to watch in a browser, ask for `?format=html`.

The function's role may only get objects under the known prefixes (no s3:ListBucket), so S3 answers a missing key
with 403 AccessDenied instead of 404: both mean "not there" here. Read-only: nothing is written, so a repeated
request is harmless. Refusals: 400 naming the field (the same key rules as the presign route), 404 for no upload.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from pipeline_core import naming
from pipeline_core.config import ConfigError, env_int, env_log_level, env_str
from pipeline_core.contract import CONTRACT
from pipeline_core.request_keys import InvalidRequest, check_key, path_segments
from player import page, sources

DEFAULT_EXPIRY_SECONDS = 900
MIN_EXPIRY_SECONDS = 60
MAX_EXPIRY_SECONDS = 3600  # issue contract: at most an hour (a URL cannot outlive the signer's session either)
FORMATS = ("json", "html")
_ABSENT = frozenset({"NoSuchKey", "404", "NotFound", "AccessDenied", "403", "Forbidden"})
JSON_TYPE = "application/json"
HTML_TYPE = "text/html; charset=utf-8"

UPLOADED, REJECTED, TRANSCRIBING, ILLUSTRATING = "uploaded", "rejected", "transcribing", "illustrating"
COMPLETE, PARTIAL, FAILED = "complete", "partial", "failed"
STATES = (UPLOADED, REJECTED, TRANSCRIBING, ILLUSTRATING, COMPLETE, PARTIAL, FAILED)
_FINAL = {"complete": COMPLETE, "partial": PARTIAL, "failed": FAILED, "no speech": COMPLETE}


@dataclass(frozen=True)
class Settings:
    audio_bucket: str
    transcript_bucket: str
    image_bucket: str
    expires_in: int
    log_level: str


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """AUDIO_BUCKET, TRANSCRIPT_BUCKET, IMAGE_BUCKET, URL_EXPIRY_SECONDS, LOG_LEVEL; ConfigError names the variable."""
    buckets = [env_str(name, environ=environ) for name in ("AUDIO_BUCKET", "TRANSCRIPT_BUCKET", "IMAGE_BUCKET")]
    for name, bucket in zip(("AUDIO_BUCKET", "TRANSCRIPT_BUCKET", "IMAGE_BUCKET"), buckets, strict=True):
        if "/" in bucket or ":" in bucket:
            raise ConfigError(f"environment variable {name} must be a bare S3 bucket name, got {bucket!r}")
    expires_in = env_int(
        "URL_EXPIRY_SECONDS",
        DEFAULT_EXPIRY_SECONDS,
        minimum=MIN_EXPIRY_SECONDS,
        maximum=MAX_EXPIRY_SECONDS,
        environ=environ,
    )
    return Settings(*buckets, expires_in=expires_in, log_level=env_log_level(environ=environ))


class S3Store:
    """Reads and signs through two S3 clients: `s3` for GETs, `presigner` for URLs (local signing, SigV4)."""

    def __init__(self, s3: Any, presigner: Any, expires_in: int) -> None:
        self.s3, self.presigner, self.expires_in = s3, presigner, expires_in

    def head(self, bucket: str, key: str) -> dict[str, Any] | None:
        try:
            return self.s3.head_object(Bucket=bucket, Key=key)
        except ClientError as err:
            if str(err.response.get("Error", {}).get("Code", "")) in _ABSENT:
                return None
            raise

    def read(self, bucket: str, key: str) -> bytes | None:
        try:
            return self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except ClientError as err:
            if str(err.response.get("Error", {}).get("Code", "")) in _ABSENT:
                return None
            raise

    def url(self, bucket: str, key: str) -> str:
        params = {"Bucket": bucket, "Key": key}
        return self.presigner.generate_presigned_url("get_object", Params=params, ExpiresIn=self.expires_in)


@dataclass(frozen=True)
class ResultsRequest:
    folder: str
    name: str
    format: str

    @property
    def key(self) -> str:
        return f"{self.folder}/{self.name}"


def request_from_event(event: Any) -> ResultsRequest:
    """The upload a REST proxy event asks about; InvalidRequest names the first field at fault."""
    folder, name = path_segments(event)
    check_key(folder, name)
    query = event.get("queryStringParameters") or {}
    unknown = sorted(set(query) - {"format"})
    if unknown:
        raise InvalidRequest("query", f"unknown parameter(s) {', '.join(unknown)}; the only one is format=json|html")
    answer_format = str(query.get("format") or "json").lower()
    if answer_format not in FORMATS:
        raise InvalidRequest("format", f"{query.get('format')!r} is not a format; expected json or html")
    return ResultsRequest(folder, name, answer_format)


def _json(data: bytes | None) -> dict[str, Any] | None:
    if data is None:
        return None
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return value if isinstance(value, dict) else None


@dataclass
class Found:
    """What the buckets hold about one upload."""

    key: str
    head: dict[str, Any]
    job: str | None = None
    rejection: dict[str, Any] | None = None
    record: dict[str, Any] | None = None
    transcript: bool = False
    manifest: dict[str, Any] | None = None


def gather(store: Any, settings: Settings, key: str) -> Found | None:
    """None when the audio bucket holds nothing at `key`."""
    head = store.head(settings.audio_bucket, key)
    if head is None:
        return None
    found = Found(key, head)
    etag = str(head.get("ETag", "")).strip('"')
    job = naming.job_name(settings.audio_bucket, key, etag)
    rejection = _json(store.read(settings.transcript_bucket, naming.rejection_key(job)))
    if rejection is not None:
        found.job, found.rejection = job, rejection
        return found
    record = _json(store.read(settings.transcript_bucket, naming.job_record_key(job)))
    if record is not None:
        found.job, found.record = job, record
    if found.job is None:
        return found
    found.manifest = _json(store.read(settings.image_bucket, naming.manifest_key(found.job)))
    if found.manifest is None:
        found.transcript = store.head(settings.transcript_bucket, naming.transcript_key(found.job)) is not None
    else:
        found.transcript = True
    return found


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="seconds") if hasattr(value, "isoformat") else str(value)


def state(found: Found) -> tuple[str, str | None]:
    """(status, reason) of the upload."""
    if found.rejection is not None:
        return REJECTED, str(found.rejection.get("reason") or "rejected")
    if found.job is None:
        return UPLOADED, None
    manifest = found.manifest
    if manifest is not None:
        reason = manifest.get("reason")
        if manifest.get("retryable"):
            return ILLUSTRATING, str(reason) if reason else None
        status = _FINAL.get(str(manifest.get("status")), FAILED)
        return status, str(reason) if reason else None
    return (ILLUSTRATING if found.transcript else TRANSCRIBING), None


def links(found: Found, store: Any, settings: Settings) -> dict[str, Any]:
    """Presigned GET URLs for everything there is to fetch at this state."""
    out: dict[str, Any] = {"audio": store.url(settings.audio_bucket, found.key)}
    job, manifest = found.job, found.manifest
    if job is None or found.rejection is not None:
        return out
    subtitles: list[dict[str, Any]] = []
    if found.transcript:
        out["transcript"] = store.url(settings.transcript_bucket, naming.transcript_key(job))
        keys = (manifest or {}).get("subtitle_keys") or (found.record or {}).get("subtitle_keys") or {}
        language = (manifest or {}).get("language_code") or (found.record or {}).get("language_code")
        for fmt in CONTRACT.subtitle_formats:
            if isinstance(keys, dict) and isinstance(keys.get(fmt), str):
                url = store.url(settings.transcript_bucket, keys[fmt])
                subtitles.append({"language": language, "kind": "transcribe", "format": fmt, "url": url})
    if manifest is not None:
        tracks = manifest.get("subtitle_tracks")
        for track in tracks if isinstance(tracks, list) else []:
            if not isinstance(track, dict) or track.get("status") != "ok":
                continue
            for fmt in CONTRACT.subtitle_formats:
                if isinstance(track.get(f"{fmt}_key"), str):
                    url = store.url(settings.image_bucket, track[f"{fmt}_key"])
                    entry = {"language": track.get("language"), "kind": track.get("kind"), "format": fmt, "url": url}
                    subtitles.append(entry)
        out["manifest"] = store.url(settings.image_bucket, naming.manifest_key(job))
        out["player"] = store.url(settings.image_bucket, naming.gallery_key(job))
        out["images"] = [
            {
                "index": scene.get("index"),
                "start": scene.get("start"),
                "end": scene.get("end"),
                "url": store.url(settings.image_bucket, scene["image_key"]),
            }
            for scene in manifest.get("scenes") or []
            if isinstance(scene, dict) and scene.get("status") == "ok" and isinstance(scene.get("image_key"), str)
        ]
    out["subtitles"] = subtitles
    return out


def status_document(found: Found, store: Any, settings: Settings) -> dict[str, Any]:
    status, reason = state(found)
    manifest, record, rejection = found.manifest or {}, found.record or {}, found.rejection or {}
    document: dict[str, Any] = {
        "key": found.key,
        "status": status,
        "reason": reason,
        "job_name": found.job,
        "timestamps": {
            "uploaded_at": _iso(found.head.get("LastModified")),
            "transcription_started_at": record.get("started_at"),
            "rejected_at": rejection.get("rejected_at") or rejection.get("failed_at"),
            "illustration_started_at": manifest.get("started_at"),
            "finished_at": manifest.get("finished_at") if status not in (ILLUSTRATING,) else None,
        },
        "expires_in": settings.expires_in,
        "links": links(found, store, settings),
    }
    if rejection.get("detail"):
        document["detail"] = rejection["detail"]
    if manifest.get("counts"):
        document["counts"] = manifest["counts"]
    return document


def player_page(found: Found, store: Any, settings: Settings) -> str:
    """The player with presigned URLs; a short status page while there is no manifest yet (or never will be)."""
    status, reason = state(found)
    if found.manifest is None or found.job is None:
        return page.render_status(found.key, status, reason)
    manifest = found.manifest
    images = {
        str(scene["image_key"]): store.url(settings.image_bucket, scene["image_key"])
        for scene in manifest.get("scenes") or []
        if isinstance(scene, dict) and isinstance(scene.get("image_key"), str) and scene.get("status") == "ok"
    }
    player_links = page.Links(
        audio=store.url(settings.audio_bucket, found.key),
        manifest=store.url(settings.image_bucket, naming.manifest_key(found.job)),
        images=images,
        audio_note=f"The audio link expires {settings.expires_in} s after this page was made; ask again for a new one.",
    )
    tracks = sources.read_tracks(manifest, settings.image_bucket, store.read)
    return page.render_player(manifest, tracks, player_links)


def proxy_response(status: int, body: str, content_type: str = JSON_TYPE) -> dict[str, Any]:
    """no-store: the presigned URLs inside are credentials and must not sit in a cache."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": content_type, "Cache-Control": "no-store"},
        "body": body,
        "isBase64Encoded": False,
    }


def _json_response(status: int, document: Mapping[str, Any]) -> dict[str, Any]:
    return proxy_response(status, json.dumps(document, ensure_ascii=False))


@dataclass(frozen=True)
class Outcome:
    response: dict[str, Any]
    key: str | None
    status: str | None  # the upload's state, or None when refused / not found
    error: str | None


def respond(event: Any, store: Any, settings: Settings) -> Outcome:
    try:
        request = request_from_event(event)
    except InvalidRequest as err:
        return Outcome(_json_response(400, {"message": str(err)}), None, None, str(err))
    found = gather(store, settings, request.key)
    if found is None:
        message = f"no upload at {request.key}: upload it with PUT (or POST for a presigned URL) to this path first"
        return Outcome(_json_response(404, {"message": message, "key": request.key}), request.key, None, message)
    status, _ = state(found)
    if request.format == "html":
        return Outcome(proxy_response(200, player_page(found, store, settings), HTML_TYPE), request.key, status, None)
    return Outcome(_json_response(200, status_document(found, store, settings)), request.key, status, None)
