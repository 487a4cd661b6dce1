"""Results over the upload API's GET /{folder}/{object}: the API key only, no AWS credentials.

`status` asks once; `wait` asks until the file is done (complete, partial, failed or rejected); `fetch` downloads
every presigned link into one folder, named as the bucket copy of the player expects them (images, manifest.json,
index.html, and the audio beside them), so the folder plays offline. Standard library only.
"""

from __future__ import annotations

import json
import posixpath
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline_core.units import format_duration

FINAL = ("complete", "partial", "failed", "rejected")
# The client's exit codes (scripts/client.py).
EXIT_USAGE, EXIT_FORBIDDEN, EXIT_UNREACHABLE, EXIT_PIPELINE, EXIT_TIMEOUT = 2, 3, 6, 7, 8


class RouteFailure(Exception):
    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def results_url(stage_url: str, key: str, answer_format: str = "json") -> str:
    folder, _, name = key.partition("/")
    path = f"{urllib.parse.quote(folder, safe='')}/{urllib.parse.quote(name, safe='')}"
    return f"{stage_url.rstrip('/')}/{path}" + ("?format=html" if answer_format == "html" else "")


def ask(stage_url: str, api_key: str | None, key: str, *, answer_format: str = "json", timeout: float = 60.0) -> Any:
    """The route's answer: the JSON document, or the HTML page with format "html"."""
    url = results_url(stage_url, key, answer_format)
    request = urllib.request.Request(url, headers={"x-api-key": api_key} if api_key else {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - the deployment's https URL
            body = response.read()
    except urllib.error.HTTPError as err:
        body = err.read()
        try:
            message = str(json.loads(body).get("message"))
        except (ValueError, AttributeError):
            message = body[:200].decode("utf-8", errors="replace")
        if err.code == 403:
            hint = "the API key is missing or not accepted" if message == "Forbidden" else message
            if message == "Missing Authentication Token":
                hint = "this deployment has no GET route (results_api_enabled = false?)"
            raise RouteFailure(f"GET {url}: 403, {hint}", EXIT_FORBIDDEN) from None
        if err.code == 404:
            raise RouteFailure(f"{key}: {message}", EXIT_USAGE) from None
        if err.code == 400:
            raise RouteFailure(f"{key}: {message}", EXIT_USAGE) from None
        raise RouteFailure(f"GET {url}: HTTP {err.code}: {message}", EXIT_UNREACHABLE) from None
    except (urllib.error.URLError, TimeoutError, OSError) as err:
        raise RouteFailure(f"could not reach {url}: {err}", EXIT_UNREACHABLE) from None
    return body.decode("utf-8") if answer_format == "html" else json.loads(body)


def describe(document: dict[str, Any]) -> str:
    reason = f" ({document['reason']})" if document.get("reason") else ""
    return f"{document.get('key')}: {document.get('status')}{reason}"


def wait(
    stage_url: str,
    api_key: str | None,
    key: str,
    *,
    timeout: float = 1800.0,
    poll_seconds: float = 5.0,
    on_change: Callable[[dict[str, Any]], None] = lambda document: None,
) -> dict[str, Any]:
    """Ask until the file is done; `on_change` sees each answer whose state differs from the one before."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        document = ask(stage_url, api_key, key)
        state = document.get("status")
        if state != last:
            on_change(document)
            last = state
        if state in FINAL:
            return document
        if time.monotonic() > deadline:
            raise RouteFailure(f"gave up after {format_duration(timeout)}; {key} is still {state}", EXIT_TIMEOUT)
        time.sleep(poll_seconds)


def local_names(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(file name, presigned URL) of every link, named as the player's bucket copy refers to them."""
    links = document.get("links") or {}
    named: list[tuple[str, str]] = []
    if links.get("audio"):
        named.append((posixpath.basename(str(document["key"])), links["audio"]))
    for field, name in (("manifest", "manifest.json"), ("player", "index.html"), ("transcript", "transcript.json")):
        if links.get(field):
            named.append((name, links[field]))
    for image in links.get("images") or []:
        named.append((posixpath.basename(urllib.parse.urlsplit(image["url"]).path), image["url"]))
    for track in links.get("subtitles") or []:
        stem = "transcript" if track.get("kind") == "transcribe" else f"subtitles.{track.get('language')}"
        named.append((f"{stem}.{track['format']}", track["url"]))
    return named


def fetch(document: dict[str, Any], out_dir: Path, *, timeout: float = 300.0) -> list[Path]:
    """Download every link of a finished file into `out_dir`; the player there then plays offline."""
    state = document.get("status")
    if state not in ("complete", "partial", "failed"):
        why = f" ({document['reason']}: {document.get('detail')})" if document.get("reason") else ""
        later = "" if state in FINAL else "; there is nothing to fetch yet"
        raise RouteFailure(f"{document.get('key')} is {state}{why}{later}", EXIT_PIPELINE)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, url in local_names(document):
        target = out_dir / name
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - a presigned https URL
                target.write_bytes(response.read())
        except (urllib.error.URLError, TimeoutError, OSError) as err:
            message = f"downloading {name} failed: {err} (the links expire; ask again)"
            raise RouteFailure(message, EXIT_UNREACHABLE) from None
        written.append(target)
    return written
