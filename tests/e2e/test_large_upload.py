"""Files over the upload API's 10 MB body limit, on the local stack: the client asks `POST /{folder}/{object}` for a
presigned S3 URL and PUTs the file there; the bytes arrive whole and the pipeline starts for them as for any upload.
The refusals (too large, not a Transcribe format, a mixed-case extension, no API key) come from the presign
function's own code, which the upload API stand-in runs."""

from __future__ import annotations

import hashlib
import json
import random
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import client
import pytest
from e2e_support import WAIT_SECONDS, follow, http, timeline_of
from local_stack.environment import TRANSCRIPTION
from local_stack.stack import LocalStack
from local_stack.upload_api import PAYLOAD_LIMIT, UploadApi

from pipeline_core import naming
from presign_upload import uploads

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024
_RANDOM = random.Random(20240611)  # fixed seed: the same bytes on every run, so a failure can be reproduced


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def noise_wav(path: Path, data_bytes: int) -> bytes:
    """Random 16-bit samples behind a real WAV header (16 kHz mono): 12 MB is about 6.5 minutes of audio, so a
    check of the length (Transcribe's 4 hours) reads a plausible duration rather than an unreadable file."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(_RANDOM.randbytes(data_bytes))
    return path.read_bytes()


def post(stack: LocalStack, folder: str, name: str, body: Any, api_key: str | None = "default") -> Any:
    headers = {"Content-Type": "application/json"}
    if api_key is not None:
        headers["x-api-key"] = stack.api_key if api_key == "default" else api_key
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return http("POST", client.object_url(stack.stage_url, folder, name), raw, headers)


@pytest.fixture(scope="module", autouse=True)
def settle(stack: LocalStack) -> Iterator[None]:
    """The large upload runs through the whole pipeline; let it finish before the stack stops."""
    yield
    stack.wait_until_idle(WAIT_SECONDS)


def test_a_file_over_10_mib_goes_presigned_arrives_whole_and_is_transcribed(stack: LocalStack, tmp_path: Path) -> None:
    path = tmp_path / "town hall meeting.wav"
    body = noise_wav(path, 12 * MIB)
    assert len(body) > PAYLOAD_LIMIT  # too large for the upload API's PUT

    audio = client.check_file(path)
    uploaded = client.upload(audio, stage_url=stack.stage_url, api_key=stack.api_key, folder="meetings")
    assert (uploaded.via, uploaded.status, uploaded.key) == ("presigned URL", 200, "meetings/town hall meeting.wav")

    stored = stack.s3.get_object(Bucket=stack.buckets.audio, Key=uploaded.key)
    data = stored["Body"].read()
    assert (len(data), sha256(data)) == (len(body), sha256(body))
    assert stored["ContentType"] == "audio/wav"
    # S3's ETag of a single PutObject is the MD5 of what it stored.
    assert (uploaded.etag or "").strip('"') == hashlib.md5(body).hexdigest()

    # The bytes went to S3 directly; the upload API only answered the POST.
    lines = timeline_of(stack).splitlines()
    assert any("upload API POST /v1/meetings/town%20hall%20meeting.wav -> presign function: 200" in x for x in lines)
    assert not any("upload API PUT /v1/meetings/town" in line for line in lines)

    # The pipeline starts as for any upload: the transcription function is invoked for the key and starts a job. (The
    # Transcribe stand-in has no transcript for random samples and writes the bundled sample's, which is illustrated.)
    followed = follow(stack, uploaded.key)
    assert stack.dispatcher is not None
    invoked = [i for i in stack.dispatcher.invocations(TRANSCRIPTION) if quote_plus(uploaded.key, safe="") in i.keys]
    assert invoked, timeline_of(stack)
    record = json.loads(
        stack.s3.get_object(Bucket=stack.buckets.transcript, Key=naming.job_record_key(followed.job))["Body"].read()
    )
    assert (record["audio_key"], record["size"], record["media_format"]) == (uploaded.key, len(body), "wav")
    # Where the transcription function measures the length (Transcribe's 4-hour limit): 12 MB of 16 kHz 16-bit mono.
    assert record.get("audio_seconds") in (None, pytest.approx(12 * MIB / 32_000, abs=0.01))
    rejection = naming.rejection_key(followed.job)
    assert stack.list_keys(stack.buckets.transcript, rejection) == {}
    assert followed.manifest["status"] == "complete"


def test_the_url_is_for_the_key_the_put_would_write(stack: LocalStack) -> None:
    # The same percent-encoded path as the PUT test in test_e2e_upload_api.py: the key is decoded the same way.
    response = post(stack, "my folder+1", "café + bar.mp3", {"size": 4, "content_type": "audio/mpeg"})
    assert response.status == 200, response
    document = response.json()
    assert isinstance(document, dict)
    assert document["key"] == "my folder+1/café + bar.mp3"
    assert stack.upload_api is not None
    assert document["key"] == stack.upload_api.key_for(client.object_url("/v1", "my folder+1", "café + bar.mp3"))
    assert (document["bucket"], document["method"], document["expires_in"]) == (stack.buckets.audio, "PUT", 900)
    assert response.headers["Cache-Control"] == "no-store"

    put = http("PUT", document["url"], b"ID3\x00", document["headers"])
    assert put.status == 200, put
    assert stack.s3.get_object(Bucket=stack.buckets.audio, Key=document["key"])["Body"].read() == b"ID3\x00"


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        (
            "huge.wav",
            {"size": uploads.MAX_UPLOAD_BYTES + 1},
            "size: 2147483649 bytes is over Amazon Transcribe's limit",
        ),
        ("notes.txt", {"size": 20 * MIB}, "object: 'notes.txt' has '.txt'; Amazon Transcribe accepts"),
        ("Talk.Mp3", {"size": 20 * MIB}, "object: 'Talk.Mp3': the extension '.Mp3' mixes upper and lower case"),
        ("talk.wav", {"size": 20 * MIB, "content_type": "text/html"}, "content_type: 'text/html' is not an accepted"),
        ("talk.wav", b"size=20971520", "body: not JSON"),
    ],
)
def test_requests_that_could_not_be_transcribed_get_400_and_no_url(
    stack: LocalStack, name: str, body: Any, message: str
) -> None:
    response = post(stack, "refused", name, body)
    assert response.status == 400, response
    document = response.json()
    assert isinstance(document, dict)
    assert set(document) == {"message"}
    assert document["message"].startswith(message)
    assert stack.list_keys(stack.buckets.audio, f"refused/{name}") == {}


def test_a_mixed_case_extension_gets_the_same_hint_from_the_api_and_the_client(
    stack: LocalStack, tmp_path: Path
) -> None:
    hint = uploads.mixed_case_hint("Talk.Mp3")
    assert hint is not None
    assert "rename it to 'Talk.mp3'" in hint
    response = post(stack, "refused", "Talk.Mp3", {"size": 20 * MIB})
    document = response.json()
    assert isinstance(document, dict)
    assert hint in document["message"]
    path = tmp_path / "Talk.Mp3"
    path.write_bytes(b"ID3\x00")
    with pytest.raises(client.UnsupportedFileError) as raised:
        client.check_file(path)
    assert hint in str(raised.value)


@pytest.mark.parametrize("api_key", [None, "wrong-key"])
def test_without_the_api_key_the_post_is_403_forbidden(stack: LocalStack, api_key: str | None) -> None:
    response = post(stack, "refused", "keyless.wav", {"size": 20 * MIB}, api_key=api_key)
    assert response.status == 403
    assert response.json() == {"message": "Forbidden"}
    seen = [line for line in timeline_of(stack).splitlines() if "/refused/keyless.wav" in line]
    assert seen
    assert all("-> 403 (API key missing or wrong)" in line for line in seen)  # the function is never reached


def test_with_presigned_uploads_off_post_is_a_path_the_api_does_not_have(stack: LocalStack, tmp_path: Path) -> None:
    api = UploadApi(stack.s3, stack.buckets.audio, stack.api_key, stack.timeline, presigned_upload_enabled=False)
    api.start()
    try:
        response = http(
            "POST",
            client.object_url(api.stage_url, "talks", "talk.wav"),
            json.dumps({"size": 20 * MIB}).encode(),
            {"x-api-key": stack.api_key, "Content-Type": "application/json"},
        )
        assert response.status == 403
        assert response.json() == {"message": "Missing Authentication Token"}

        path = tmp_path / "big.wav"
        noise_wav(path, PAYLOAD_LIMIT)  # with its header, just over the limit
        with pytest.raises(client.UsageError, match="presigned_upload_enabled = false"):
            client.upload(client.check_file(path), stage_url=api.stage_url, api_key=stack.api_key, folder="talks")
    finally:
        api.stop()
    assert stack.list_keys(stack.buckets.audio, "talks/big") == {}
