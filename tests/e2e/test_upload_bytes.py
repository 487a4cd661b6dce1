"""The upload API never loses a byte: binary audio sent through the upload API stand-in is stored exactly as sent,
whatever bytes it holds (NUL, 0xFF, CR/LF, invalid UTF-8) and whatever Content-Type it is declared with; on AWS the
module's binary media types (*/*) give the same guarantee, without them API Gateway would decode the body as text."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from pathlib import Path

import client
import pytest
from audio_headers import HEADERS
from e2e_support import WAIT_SECONDS, http
from local_stack.stack import LocalStack
from local_stack.upload_api import PAYLOAD_LIMIT

pytestmark = pytest.mark.e2e

_RANDOM = random.Random(20240229)  # fixed seed: the same bytes on every run, so a failure can be reproduced

BODIES = {
    "every-byte-value": bytes(range(256)) * 64,
    "nul-and-ff-runs": b"\x00" * 4096 + b"\xff" * 4096 + b"\x00\xff\xfe\x00" * 1024,
    "line-endings": b"RIFF" + b"\r\n" * 700 + b"\n\r" * 300 + b"\r" * 111 + b"\n" * 111 + b"\r\n\r\n",
    # Overlong, truncated and surrogate sequences, lone continuation bytes, bytes UTF-8 never uses.
    "invalid-utf-8": b"\xc3\x28\xa0\xa1\xe2\x28\xa1\xe2\x82\x28\xf0\x28\x8c\xbc\xed\xa0\x80\xc0\xaf\x80\xbf\xfe\xff"
    * 200,
    "one-nul-byte": b"\x00",
    "mp3-frames-then-noise": b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + _RANDOM.randbytes(300_000),
    "utf-16-bom-and-text": "\ufeffRIFF WAVE fmt ünïcödé 🎤".encode("utf-16-le") + b"\x00\x00",
}
# File name and declared type: the audio types a caller sends, the neutral one, and a text type that an API without
# binary media types would turn into UTF-8 text.
AS = [
    ("take.wav", "audio/wav"),
    ("take.mp3", "audio/mpeg"),
    ("TAKE.WAV", "application/octet-stream"),
    ("take.mp3", "text/plain; charset=utf-8"),
]
CASES = [(name, body, *AS[n % len(AS)]) for n, (name, body) in enumerate(BODIES.items())]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored(stack: LocalStack, key: str) -> tuple[bytes, str]:
    response = stack.s3.get_object(Bucket=stack.buckets.audio, Key=key)
    return response["Body"].read(), response["ContentType"]


@pytest.fixture(scope="module", autouse=True)
def settle(stack: LocalStack) -> Iterator[None]:
    """The uploads are audio names, so the pipeline runs on them; let it finish before the stack stops."""
    yield
    stack.wait_until_idle(WAIT_SECONDS)


@pytest.mark.parametrize(("case", "body", "name", "content_type"), CASES, ids=[case[0] for case in CASES])
def test_raw_put_stores_every_byte(stack: LocalStack, case: str, body: bytes, name: str, content_type: str) -> None:
    key = f"bytes-{case}/{name}"
    response = http(
        "PUT",
        client.object_url(stack.stage_url, f"bytes-{case}", name),
        body,
        {"x-api-key": stack.api_key, "Content-Type": content_type},
    )
    assert response.status == 200, response
    data, stored_type = stored(stack, key)
    assert (len(data), sha256(data)) == (len(body), sha256(body))
    assert stored_type == content_type
    # S3's ETag of a single PutObject is the MD5 of what it stored: the API's answer proves the same bytes arrived.
    assert response.headers["ETag"].strip('"') == hashlib.md5(body).hexdigest()


def test_client_upload_of_a_binary_file_stores_every_byte(stack: LocalStack, tmp_path: Path) -> None:
    # A WAV header first: the client refuses a file whose bytes are not what its extension says.
    body = HEADERS["wav"] + _RANDOM.randbytes(3 * 1024 * 1024) + bytes(range(256)) + b"\r\n\x00\xff"
    path = tmp_path / "field recording.wav"
    path.write_bytes(body)
    uploaded = client.upload(client.check_file(path), stage_url=stack.stage_url, api_key=stack.api_key, folder="bytes")
    assert (uploaded.status, uploaded.size) == (200, len(body))
    data, stored_type = stored(stack, uploaded.key)
    assert sha256(data) == sha256(body)
    assert stored_type == "audio/wav"


def test_a_body_of_exactly_the_payload_limit_is_stored_whole(stack: LocalStack) -> None:
    body = _RANDOM.randbytes(PAYLOAD_LIMIT)
    url = client.object_url(stack.stage_url, "bytes-limit", "ten-mib.mp3")
    response = http("PUT", url, body, {"x-api-key": stack.api_key, "Content-Type": "audio/mpeg"})
    assert response.status == 200, response
    data, _ = stored(stack, "bytes-limit/ten-mib.mp3")
    assert (len(data), sha256(data)) == (PAYLOAD_LIMIT, sha256(body))
