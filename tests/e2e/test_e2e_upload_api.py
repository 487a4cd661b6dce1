"""The upload API stand-in keeps the deployed API's contract (modules/upload-api), so the client meets it locally."""

from __future__ import annotations

import os

import pytest
from e2e_support import WAIT_SECONDS, http
from local_stack.stack import LocalStack
from local_stack.upload_api import PAYLOAD_LIMIT

pytestmark = pytest.mark.e2e


def test_body_is_stored_byte_for_byte_with_its_content_type(stack: LocalStack) -> None:
    body = bytes(range(256)) * 64 + os.urandom(4096)  # every byte value, binary as audio is
    headers = {"x-api-key": stack.api_key, "Content-Type": "application/octet-stream"}
    response = http("PUT", f"{stack.stage_url}/blobs/data.bin", body, headers)
    assert response.status == 200
    assert response.headers.get("ETag")
    stored = stack.s3.get_object(Bucket=stack.buckets.audio, Key="blobs/data.bin")
    assert stored["Body"].read() == body
    assert stored["ContentType"] == "application/octet-stream"
    stack.wait_until_idle(WAIT_SECONDS)  # .bin matches no notification filter: no event, nothing runs
    assert stack.dispatcher is not None
    assert not [i for i in stack.dispatcher.invocations() if any("data.bin" in key for key in i.keys)]


def test_form_content_type_still_keeps_the_bytes(stack: LocalStack) -> None:
    headers = {"x-api-key": stack.api_key, "Content-Type": "application/x-www-form-urlencoded"}
    response = http("PUT", f"{stack.stage_url}/blobs/form.bin", b"a=1&b=2", headers)
    assert response.status == 200
    assert stack.s3.get_object(Bucket=stack.buckets.audio, Key="blobs/form.bin")["Body"].read() == b"a=1&b=2"


@pytest.mark.parametrize("key_header", [None, "wrong-key"])
def test_missing_or_wrong_api_key_is_403_forbidden(stack: LocalStack, key_header: str | None) -> None:
    headers = {"Content-Type": "audio/mpeg"} | ({"x-api-key": key_header} if key_header else {})
    response = http("PUT", f"{stack.stage_url}/talks/refused.mp3", b"ID3", headers)
    assert response.status == 403
    assert response.json() == {"message": "Forbidden"}
    keys = stack.list_keys(stack.buckets.audio, "talks/refused")
    assert keys == {}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/talks/deeper/a.mp3"),
        ("DELETE", "/talks/a.mp3"),
        ("POST", "/a.mp3"),
        ("PUT", "/a.mp3"),
        ("PUT", "/talks/deeper/a.mp3"),
    ],
)
def test_other_methods_and_paths_are_missing_authentication_token(stack: LocalStack, method: str, path: str) -> None:
    body = b"x" if method != "GET" else None
    response = http(method, stack.stage_url + path, body, {"x-api-key": stack.api_key})
    assert response.status == 403
    assert response.json() == {"message": "Missing Authentication Token"}


def test_over_10_mb_is_413_and_nothing_is_stored(stack: LocalStack) -> None:
    body = b"\0" * (PAYLOAD_LIMIT + 1)
    response = http("PUT", f"{stack.stage_url}/talks/huge.wav", body, {"x-api-key": stack.api_key})
    assert response.status == 413
    assert stack.list_keys(stack.buckets.audio, "talks/huge") == {}


def test_percent_encoded_path_segments_become_the_key(stack: LocalStack) -> None:
    url = f"{stack.stage_url}/my%20folder%2B1/caf%C3%A9%20%2B%20bar.bin"
    response = http("PUT", url, b"data", {"x-api-key": stack.api_key, "Content-Type": "application/octet-stream"})
    assert response.status == 200
    assert stack.s3.get_object(Bucket=stack.buckets.audio, Key="my folder+1/café + bar.bin")["Body"].read() == b"data"
