"""Helpers of the end-to-end tests: the sample, waiting with clear failures, raw requests to the upload API."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import client
import pytest
from local_stack.stack import LocalStack

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "demo" / "sample-talk.mp3"
# Generous: the pipeline takes a few seconds, but a loaded 2-core machine running two workers can be slow.
WAIT_SECONDS = 120.0

# Small scenes and images keep the run quick; everything else is the module's defaults.
QUICK_IMAGE_SETTINGS = {"SCENE_SECONDS": "10", "MAX_IMAGES_PER_FILE": "3", "IMAGE_WIDTH": "512", "IMAGE_HEIGHT": "512"}


def deployment_of(stack: LocalStack) -> client.Deployment:
    return client.Deployment(
        url=stack.stage_url,
        api_key=stack.api_key,
        audio_bucket=stack.buckets.audio,
        transcript_bucket=stack.buckets.transcript,
        image_bucket=stack.buckets.image,
    )


def follow(stack: LocalStack, key: str) -> client.Followed:
    try:
        return client.follow(
            key, deployment_of(stack), stack.s3, transcribe=stack.transcribe, timeout=WAIT_SECONDS, poll_seconds=0.1
        )
    except client.WaitTimeoutError as err:
        pytest.fail(f"{err}\nlocal stack timeline:\n" + "\n".join(e.line() for e in stack.timeline.entries()))


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> object:
        return json.loads(self.body)


def http(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Response:
    """A raw request to the upload API stand-in, whatever its status."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return Response(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as err:
        return Response(err.code, err.read(), dict(err.headers))
