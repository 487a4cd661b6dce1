"""Helpers of the end-to-end tests: the sample, waiting with clear failures, raw requests to the upload API, the
functions' log lines, and a Transcribe client that fails on purpose."""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import client
import pytest
import redrive
from botocore.exceptions import ClientError
from local_stack import environment
from local_stack.environment import ILLUSTRATION, TRANSCRIPTION
from local_stack.stack import LocalStack
from local_stack.transcribe_standin import Fixture

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "demo" / "sample-talk.mp3"
# Generous: the pipeline takes a few seconds, but a loaded 2-core machine running two workers can be slow.
WAIT_SECONDS = 120.0

# Few scenes keep the run quick; everything else is the module's defaults.
QUICK_IMAGE_SETTINGS = {
    "SCENE_SECONDS": "10",
    "MAX_IMAGES_PER_FILE": "3",
    "SUBTITLE_LANGUAGES": "ko",  # a translated track through the Translate stand-in
}


@contextmanager
def instant_throttle_backoff() -> Iterator[int]:
    """The image function's in-invocation retries of a throttled scene without their pauses (the local stack's
    context gives every invocation 900 s); yields the number of retries per scene. Enter it inside the LocalStack:
    the stack imports the handlers anew, as a new container, and it is that copy of the module that is patched."""
    handlers_copy = importlib.import_module("illustrate_scenes.generation")
    with pytest.MonkeyPatch.context() as patch:
        pauses = tuple(0.0 for _ in handlers_copy.THROTTLE_BACKOFF_SECONDS)
        patch.setattr(handlers_copy, "THROTTLE_BACKOFF_SECONDS", pauses)
        yield len(pauses)


def distinct_audio(name: str) -> bytes:
    """Distinct bytes per upload (an MP3 tag and filler), so the Transcribe stand-in can tell the uploads apart."""
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + hashlib.sha256(name.encode()).digest() * 16


# A Korean talk (for the tests of a Korean deployment: language_code = "ko-KR").
KOREAN_TRANSCRIPTION = {"LANGUAGE_CODE": "ko-KR"}
KOREAN_CUES = [
    (0.0, 9.0, "안녕하세요. 오늘은 오래된 등대에서 항구 산책을 시작합니다."),
    (10.0, 19.0, "새벽에 어선들이 돌아오고 곧 시장이 열립니다."),
    (20.0, 29.0, "마지막으로 소나무 숲을 지나 성으로 올라갑니다."),
]


def run_korean_talk(stack: LocalStack, name: str) -> client.Followed:
    """Upload a Korean talk straight to the audio bucket and follow it to its manifest."""
    assert stack.transcribe_stand_in is not None
    body = distinct_audio(name)
    stack.transcribe_stand_in.register(body, transcript_fixture(name, KOREAN_CUES, language_code="ko-KR"))
    key = f"korean/{name}.mp3"
    stack.s3.put_object(Bucket=stack.buckets.audio, Key=key, Body=body, ContentType="audio/mpeg")
    return follow(stack, key)


def hangul(text: str) -> bool:
    return any("\uac00" <= char <= "\ud7a3" for char in text)


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


def clock(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    return (
        f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:{millis // 1000 % 60:02d}{separator}{millis % 1000:03d}"
    )


def transcript_fixture(
    name: str, cues: list[tuple[float, float, str]], *, subtitles: bool = True, language_code: str = "en-US"
) -> Fixture:
    """Transcribe's output for speech made of `cues` (start, end, text): the JSON in its newer layout (numbered items,
    audio segments) and SRT/WebVTT subtitles with one cue each, numbered from 1."""
    items: list[dict[str, Any]] = []
    segments = []
    for start, end, text in cues:
        words = text.split()
        step = (end - start) / len(words)
        first = len(items)
        for n, word in enumerate(words):
            bare = word.rstrip(".,!?")
            items.append(
                {
                    "id": len(items),
                    "type": "pronunciation",
                    "alternatives": [{"confidence": "0.99", "content": bare}],
                    "start_time": f"{start + n * step:.3f}",
                    "end_time": f"{start + (n + 0.9) * step:.3f}",
                }
            )
            if bare != word:
                items.append(
                    {
                        "id": len(items),
                        "type": "punctuation",
                        "alternatives": [{"confidence": "0.0", "content": word[len(bare) :]}],
                    }
                )
        segments.append(
            {
                "id": len(segments),
                "transcript": text,
                "start_time": f"{start:.3f}",
                "end_time": f"{end:.3f}",
                "items": list(range(first, len(items))),
            }
        )
    document = {
        "jobName": name,
        "accountId": environment.ACCOUNT_ID,
        "status": "COMPLETED",
        "results": {
            "transcripts": [{"transcript": " ".join(text for _, _, text in cues)}],
            "items": items,
            "audio_segments": segments,
            "language_code": language_code,
        },
    }
    srt = "".join(
        f"{n}\n{clock(s, ',')} --> {clock(e, ',')}\n{text}\n\n" for n, (s, e, text) in enumerate(cues, start=1)
    )
    vtt = "WEBVTT\n\n" + "".join(
        f"{n}\n{clock(s, '.')} --> {clock(e, '.')}\n{text}\n\n" for n, (s, e, text) in enumerate(cues, start=1)
    )
    return Fixture(name, document, {"srt": srt, "vtt": vtt} if subtitles else {})


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
