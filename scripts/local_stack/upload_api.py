"""Stand-in for the deployed upload API (modules/upload-api): `PUT /<stage>/{folder}/{object}` -> S3 PutObject,
`POST /<stage>/{folder}/{object}` -> the presign function -> a presigned S3 PUT URL for files over 10 MB, and
`GET /<stage>/{folder}/{object}[?format=html]` -> the results function -> status and presigned GET URLs (or the player).

It keeps the contract a caller sees from API Gateway: the API key in `x-api-key` (403 `{"message":"Forbidden"}`),
the 10 MB payload limit (413), 403 "Missing Authentication Token" for any other method or path, the path parameters
URL-decoded into the key `{folder}/{object}`, Content-Type passed through, the body stored byte for byte, and S3's
status mapped as the module's integration responses map it (2xx -> 200 with ETag, 403, 404, other 4xx -> 400,
anything else -> 500) with S3's body.

POST builds the Lambda proxy event API Gateway would send (binary media types */*: the body base64-encoded, the path
parameters as sent) and answers with what the presign function's own code (`presign_upload.uploads.respond`) makes of
it, signed for the emulator's endpoint: the URL then leads to the emulator's S3, as the real one leads to S3.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from local_stack import environment
from local_stack.timeline import Timeline
from presign_upload import uploads
from read_results import results

PAYLOAD_LIMIT = 10 * 1024 * 1024  # API Gateway REST payload limit (aws-facts.md 5.1); it cannot be raised
KEY_LIMIT = 1024  # S3 object keys: at most 1024 bytes of UTF-8
FORM = "application/x-www-form-urlencoded"
OCTET_STREAM = "application/octet-stream"


def status_for_s3(status: int) -> int:
    """The module's integration-response mapping of S3's status code."""
    if 200 <= status < 300:
        return 200
    if status in (403, 404):
        return status
    if 400 <= status < 500:
        return 400
    return 500


def local_presigner(endpoint_url: str) -> Any:
    """An S3 client that signs URLs for the emulator as the presign function signs them for S3 (SigV4), but
    path-style: a virtual-hosted URL would name a host `<bucket>.127.0.0.1`."""
    session = boto3.session.Session(
        aws_access_key_id=environment.FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=environment.FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=environment.FAKE_CREDENTIALS["AWS_SESSION_TOKEN"],
        region_name=environment.REGION,
    )
    config = Config(signature_version="s3v4", s3={"addressing_style": "path"})
    return session.client("s3", endpoint_url=endpoint_url, config=config)


class UploadApi:
    def __init__(
        self,
        s3: Any,
        bucket: str,
        api_key: str,
        timeline: Timeline,
        *,
        stage: str = "v1",
        presigned_upload_enabled: bool = True,
        presigned_url_expiry_seconds: int = uploads.DEFAULT_EXPIRY_SECONDS,
        results_settings: results.Settings | None = None,
    ) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.api_key = api_key
        self.stage = stage
        self.timeline = timeline
        # As the module's presigned_upload_enabled: without it, POST is a path the API does not have.
        self.presigner = local_presigner(s3.meta.endpoint_url) if presigned_upload_enabled else None
        self.expires_in = presigned_url_expiry_seconds
        # As the module's results_api_enabled: without settings, GET is a path the API does not have.
        self.results_settings = results_settings
        self.results_store = (
            results.S3Store(s3, local_presigner(s3.meta.endpoint_url), results_settings.expires_in)
            if results_settings is not None
            else None
        )
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def stage_url(self) -> str:
        assert self._server is not None, "start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/{self.stage}"

    def start(self) -> None:
        api = self

        class Handler(_RequestHandler):
            owner = api

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="upload-api", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def segments_for(self, path: str) -> tuple[str, str] | None:
        """The raw (still percent-encoded) `{folder}` and `{object}` of `/<stage>/{folder}/{object}`; None when the
        path matches no resource."""
        parts = urlsplit(path).path.split("/")
        if len(parts) != 4 or parts[0] or parts[1] != self.stage or not parts[2] or not parts[3]:
            return None
        return parts[2], parts[3]

    def key_for(self, path: str) -> str | None:
        """`{folder}/{object}` from `/<stage>/{folder}/{object}`; None when the path matches no resource."""
        segments = self.segments_for(path)
        if segments is None:
            return None
        folder, name = (unquote(segment, errors="strict") for segment in segments)
        return f"{folder}/{name}"

    def proxy_event(
        self, path: str, headers: dict[str, str], body: bytes | None, method: str = "POST"
    ) -> dict[str, Any]:
        """The Lambda proxy event of a POST or GET, as API Gateway builds it with binary media types */*."""
        segments = self.segments_for(path)
        assert segments is not None, "route the request first"
        query = parse_qs(urlsplit(path).query, keep_blank_values=True)
        return {
            "resource": "/{folder}/{object}",
            "path": urlsplit(path).path.removeprefix(f"/{self.stage}"),
            "httpMethod": method,
            "headers": headers,
            "pathParameters": {"folder": segments[0], "object": segments[1]},
            # API Gateway keeps the last value of a repeated parameter here.
            "queryStringParameters": {name: values[-1] for name, values in query.items()} or None,
            "requestContext": {"stage": self.stage, "resourcePath": "/{folder}/{object}", "httpMethod": method},
            "body": None if body is None else base64.b64encode(body).decode("ascii"),
            "isBase64Encoded": body is not None,
        }


class _RequestHandler(BaseHTTPRequestHandler):
    owner: UploadApi
    protocol_version = "HTTP/1.1"
    server_version = "local-upload-api"

    def log_message(self, format: str, *args: Any) -> None:
        """Requests are reported on the timeline instead of stderr."""

    def _send(self, status: int, body: bytes, content_type: str = "application/json", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _message(self, status: int, message: str) -> None:
        self._send(status, json.dumps({"message": message}).encode("utf-8"))

    def _refuse_unknown_route(self) -> None:
        # API Gateway's answer for a method or path the API does not define.
        self._discard_body()
        self._message(403, "Missing Authentication Token")

    def _discard_body(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 20))
            if not chunk:
                break
            length -= len(chunk)

    do_DELETE = do_PATCH = do_HEAD = _refuse_unknown_route

    def _refused_api_key(self, method: str) -> bool:
        """Answer 403 as API Gateway does when the x-api-key header is missing or wrong; True when refused."""
        api = self.owner
        if self.headers.get("x-api-key") == api.api_key:
            return False
        # Recorded before the answer, so whoever gets the answer also finds the entry.
        api.timeline.record(
            "upload-api", f"upload API {method} {self.path} -> 403 (API key missing or wrong)", stand_in=True
        )
        self._discard_body()
        self._message(403, "Forbidden")
        return True

    def do_GET(self) -> None:
        """The upload's status and links, as the module's GET route and results function answer."""
        api = self.owner
        started = time.monotonic()
        if api.results_store is None or api.results_settings is None or api.segments_for(self.path) is None:
            self._refuse_unknown_route()
            return
        if self._refused_api_key("GET"):
            return
        event = api.proxy_event(self.path, dict(self.headers.items()), None, method="GET")
        # The results function's work, in a thread named as the dispatcher names each function's threads.
        thread = threading.current_thread()
        name, thread.name = thread.name, "dispatch-read_results"
        try:
            outcome = results.respond(event, api.results_store, api.results_settings)
        finally:
            thread.name = name
        response = outcome.response
        detail = outcome.status or outcome.error
        elapsed = (time.monotonic() - started) * 1000
        api.timeline.record(
            "upload-api",
            f"upload API GET {self.path} -> results function: {response['statusCode']} ({detail}, {elapsed:.0f} ms)",
            stand_in=True,
        )
        headers = dict(response["headers"])
        content_type = headers.pop("Content-Type")
        self._send(response["statusCode"], response["body"].encode("utf-8"), content_type, **headers)

    def do_POST(self) -> None:
        """A presigned upload URL, as the module's POST route and presign function answer."""
        api = self.owner
        if api.presigner is None or api.segments_for(self.path) is None:
            self._refuse_unknown_route()
            return
        if self._refused_api_key("POST"):
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > PAYLOAD_LIMIT:
            self._discard_body()
            self._message(413, "Request Too Long")
            return
        body = self.rfile.read(length)
        event = api.proxy_event(self.path, dict(self.headers.items()), body)
        outcome = uploads.respond(event, api.presigner, api.bucket, api.expires_in)
        response = outcome.response
        headers = dict(response["headers"])
        content_type = headers.pop("Content-Type")
        if outcome.request is None:
            detail = f"400 ({outcome.error})"
        else:
            request = outcome.request
            detail = (
                f"200, a presigned PUT of s3://{api.bucket}/{request.key} "
                f"({request.size} bytes, {request.content_type}, valid {api.expires_in} s)"
            )
        api.timeline.record("upload-api", f"upload API POST {self.path} -> presign function: {detail}", stand_in=True)
        self._send(response["statusCode"], response["body"].encode("utf-8"), content_type, **headers)

    def do_PUT(self) -> None:
        api = self.owner
        started = time.monotonic()
        try:
            key = api.key_for(self.path)
        except UnicodeDecodeError:
            key = None
        if key is None:
            self._refuse_unknown_route()
            return
        if self._refused_api_key("PUT"):
            return
        if self.headers.get("Content-Length") is None:
            self._message(411, "Length Required")
            return
        length = int(self.headers["Content-Length"])
        if length > PAYLOAD_LIMIT:
            api.timeline.record(
                "upload-api", f"upload API PUT {self.path} -> 413 ({length} bytes > 10 MB)", stand_in=True
            )
            self._discard_body()  # read it, so the caller gets the answer rather than a reset connection
            self._message(413, "Request Too Long")
            return
        body = self.rfile.read(length)
        api.timeline.record(
            "upload-api",
            f"upload API PUT {self.path} ({len(body)} bytes, API key accepted) -> S3 PutObject s3://{api.bucket}/{key}",
            stand_in=True,
            key=key,
            phase="received",
        )
        if len(key.encode("utf-8")) > KEY_LIMIT:
            # moto stores longer keys; S3 answers 400 KeyTooLongError, which the integration passes on as a 400.
            api.timeline.record(
                "upload-api", f"upload API PUT {self.path} -> 400 (key over {KEY_LIMIT} bytes)", stand_in=True
            )
            self._message(400, "Your key is too long")
            return
        extra: dict[str, Any] = {}
        content_type = self.headers.get("Content-Type")
        if content_type and content_type.split(";")[0].strip().lower() == FORM:
            # moto's server parses such a body as a form and stores nothing; S3 (and API Gateway with binary media
            # types */*) would keep the bytes. Keep the bytes, with a neutral type.
            api.timeline.record("upload-api", f"{FORM} stored as {OCTET_STREAM} (the emulator drops form bodies)")
            content_type = OCTET_STREAM
        if content_type:
            extra["ContentType"] = content_type
        try:
            response = api.s3.put_object(Bucket=api.bucket, Key=key, Body=body, **extra)
        except ClientError as err:
            status = status_for_s3(int(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500)))
            api.timeline.record("upload-api", f"upload API PUT s3://{api.bucket}/{key} -> {status}", stand_in=True)
            self._message(status, str(err.response.get("Error", {}).get("Message", "S3 error")))
            return
        api.timeline.record(
            "upload-api",
            f"upload API answered 200 for {key} ({(time.monotonic() - started) * 1000:.0f} ms)",
            stand_in=True,
            key=key,
            phase="answered",
        )
        self._send(200, b"", ETag=response["ETag"])
