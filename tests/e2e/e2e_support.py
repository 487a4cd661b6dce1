"""Helpers of the end-to-end tests: the sample, waiting with clear failures, raw requests to the upload API, the
functions' log lines, and a Transcribe client that fails on purpose."""

from __future__ import annotations

import io
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import client
import pytest
import redrive
from botocore.exceptions import ClientError
from local_stack.environment import ILLUSTRATION, TRANSCRIPTION
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


def timeline_of(stack: LocalStack) -> str:
    return "\n".join(entry.line() for entry in stack.timeline.entries())


def wait_for(stack: LocalStack, condition: Callable[[], bool], what: str) -> None:
    """Poll `condition` until it holds; fail with the stack's timeline if it does not within WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {WAIT_SECONDS:.0f} s\nlocal stack timeline:\n{timeline_of(stack)}")
        time.sleep(0.05)


def log_lines(stack: LocalStack, function: str) -> list[dict[str, Any]]:
    """The JSON log lines of one function (start_transcription or illustrate_scenes), as CloudWatch Logs keeps them."""
    lines = []
    for line in stack.function_log.lines(stack.function_name(function)):
        try:
            lines.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return lines


class FaultyTranscribe:
    """The functions' Transcribe client on the emulator, except that StartTranscriptionJob fails with an error code
    for media whose key contains one of `faults`' markers, as the service does at its job quota or when throttling.
    Install it with `pipeline_core.aws.override("transcribe", ...)`; `fix` ends the failures."""

    def __init__(self, real: Any, faults: Mapping[str, str]) -> None:
        self.real = real
        self.faults = dict(faults)  # marker in the media key -> error code
        self.calls: list[str] = []  # the media URI of every StartTranscriptionJob call
        self._lock = threading.Lock()

    def start_transcription_job(self, **request: Any) -> Any:
        uri = request["Media"]["MediaFileUri"]
        with self._lock:
            self.calls.append(uri)
            code = next((code for marker, code in self.faults.items() if marker in uri), None)
        if code is not None:
            error = {"Code": code, "Message": f"{code} for {uri}"}
            response = {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}
            raise ClientError(response, "StartTranscriptionJob")  # type: ignore[arg-type]
        return self.real.start_transcription_job(**request)

    def calls_for(self, marker: str) -> list[str]:
        with self._lock:
            return [uri for uri in self.calls if marker in uri]

    def fix(self, marker: str) -> None:
        with self._lock:
            self.faults.pop(marker, None)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def run_redrive(stack: LocalStack, *arguments: str) -> tuple[int, str]:
    """scripts/redrive.py's main, with the local stack's SQS and Lambda stand-in and its names as `terraform output`
    would give them."""
    outputs = {
        "transcription_dead_letter_queue_url": stack.dead_letter_queue_url(TRANSCRIPTION),
        "transcription_function_name": stack.function_name(TRANSCRIPTION),
        "image_dead_letter_queue_url": stack.dead_letter_queue_url(ILLUSTRATION),
        "image_function_name": stack.function_name(ILLUSTRATION),
    }
    out = io.StringIO()
    code = redrive.main(
        list(arguments),
        clients=lambda region: (stack.sqs, stack.lambda_client),
        outputs=lambda directory: outputs,
        out=out,
        wait_seconds=0,  # the emulator answers every receive in full; on AWS the script long-polls
    )
    return code, out.getvalue()


def queued(stack: LocalStack, function: str) -> int:
    attributes = stack.sqs.get_queue_attributes(
        QueueUrl=stack.dead_letter_queue_url(function),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())
