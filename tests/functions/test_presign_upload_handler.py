"""The presign function as API Gateway invokes it (Lambda proxy, REST): the URL it hands out stores the file at the
key the PUT would write, on the bucket's Regional endpoint; refusals are 400 naming the field; the URL is never
logged."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from moto import mock_aws

from presign_upload import handler as function
from presign_upload import uploads

AUDIO = "talks-audio"


def proxy_event(folder: str, name: str, body: dict[str, Any] | bytes, *, api_key_id: str = "k1") -> dict[str, Any]:
    """A REST API Lambda proxy event for POST /{folder}/{object} (path parameters as sent, binary body base64)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    path = f"/{folder}/{name}"
    return {
        "resource": "/{folder}/{object}",
        "path": path,
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/json", "x-api-key": "secret"},
        "multiValueHeaders": {"Content-Type": ["application/json"], "x-api-key": ["secret"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"folder": folder, "object": name},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{folder}/{object}",
            "httpMethod": "POST",
            "path": f"/v1{path}",
            "stage": "v1",
            "identity": {"apiKey": "secret", "apiKeyId": api_key_id, "sourceIp": "192.0.2.1"},
        },
        "body": base64.b64encode(raw).decode(),
        "isBase64Encoded": True,
    }


class Context:
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"


@pytest.fixture
def env(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AUDIO_BUCKET", AUDIO)
    for name in ("URL_EXPIRY_SECONDS", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    function.settings.cache_clear()
    function.presigner.cache_clear()
    yield
    function.settings.cache_clear()
    function.presigner.cache_clear()


@pytest.fixture
def s3(env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket=AUDIO, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        # As the module's audio bucket: versioned, so that a replayed PUT would otherwise add a version.
        client.put_bucket_versioning(Bucket=AUDIO, VersioningConfiguration={"Status": "Enabled"})
        yield client


def answer(response: dict[str, Any]) -> dict[str, Any]:
    assert response["headers"]["Content-Type"] == "application/json"
    assert response["isBase64Encoded"] is False
    return json.loads(response["body"])


def test_the_url_stores_the_file_at_the_key_the_put_would_write(s3: Any) -> None:
    body = b"RIFF\x00\x00\x00\x00WAVE" + bytes(range(256)) * 8
    response = function.handler(proxy_event("Fall%20talks", "Zo%C3%AB.wav", {"size": len(body)}), Context())
    assert response["statusCode"] == 200
    document = answer(response)
    assert document["key"] == "Fall talks/Zoë.wav"
    assert document["bucket"] == AUDIO
    assert document["headers"] == {"Content-Type": "audio/wav", "Content-Length": str(len(body)), "If-None-Match": "*"}

    put = requests.put(document["url"], data=body, headers=document["headers"], timeout=30)
    assert put.status_code == 200
    stored = s3.get_object(Bucket=AUDIO, Key="Fall talks/Zoë.wav")
    assert stored["Body"].read() == body
    assert stored["ContentType"] == "audio/wav"

    # A replay of the same URL (S3 checks the signed If-None-Match) creates no second version and no second job.
    replay = requests.put(document["url"], data=body, headers=document["headers"], timeout=30)
    assert replay.status_code == 412
    versions = s3.list_object_versions(Bucket=AUDIO, Prefix="Fall talks/").get("Versions", [])
    assert len(versions) == 1


def test_the_url_is_sigv4_on_the_buckets_regional_endpoint(s3: Any) -> None:
    response = function.handler(proxy_event("talks", "talk.mp3", {"size": 12_582_912}), Context())
    url = urlsplit(answer(response)["url"])
    query = parse_qs(url.query)
    # The global endpoint may redirect a new bucket to its Region, and the signed Host does not survive that.
    assert url.scheme == "https"
    assert url.hostname == f"{AUDIO}.s3.eu-west-1.amazonaws.com"
    assert url.path == "/talks/talk.mp3"
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Credential"][0].endswith("/eu-west-1/s3/aws4_request")
    assert query["X-Amz-SignedHeaders"] == ["content-length;content-type;host;if-none-match"]
    assert query["X-Amz-Expires"] == ["900"]


def test_the_expiry_comes_from_the_environment(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("URL_EXPIRY_SECONDS", "120")
    document = answer(function.handler(proxy_event("talks", "talk.flac", {"size": 99}), Context()))
    assert document["expires_in"] == 120
    assert parse_qs(urlsplit(document["url"]).query)["X-Amz-Expires"] == ["120"]


@pytest.mark.parametrize(
    ("folder", "name", "body", "message"),
    [
        ("talks", "Talk.Mp3", {"size": 20_000_000}, "object: 'Talk.Mp3': the extension '.Mp3' mixes upper and lower"),
        ("talks", "notes.txt", {"size": 20_000_000}, "object: 'notes.txt' has '.txt'"),
        (
            "talks",
            "talk.wav",
            {"size": uploads.MAX_UPLOAD_BYTES + 1},
            "size: 2147483649 bytes is over Amazon Transcribe",
        ),
        ("talks", "talk.wav", {"size": 0}, "size: must be at least 1 byte"),
        (
            "talks",
            "talk.wav",
            {"size": 5, "content_type": "text/plain"},
            "content_type: 'text/plain' is not an accepted type",
        ),
        ("talks", "talk.wav", b"size=5", "body: not JSON"),
        ("talks", "talk.wav", {"bytes": 5}, "body: unknown field(s) bytes"),
    ],
)
def test_refusals_are_400_naming_the_field(
    s3: Any, logged: list[logging.LogRecord], folder: str, name: str, body: Any, message: str
) -> None:
    response = function.handler(proxy_event(folder, name, body), Context())
    assert response["statusCode"] == 400
    assert answer(response)["message"].startswith(message)
    [refused] = [record for record in logged if record.getMessage() == "presigned upload refused"]
    assert refused.levelno == logging.WARNING
    assert refused.fields["reason"].startswith(message)  # type: ignore[attr-defined]
    assert s3.list_objects_v2(Bucket=AUDIO).get("KeyCount") == 0


def test_an_issued_url_is_logged_without_its_signature(s3: Any, logged: list[logging.LogRecord]) -> None:
    response = function.handler(proxy_event("talks", "talk.m4a", {"size": 31_000_000}), Context())
    assert response["statusCode"] == 200
    [issued] = [record for record in logged if record.getMessage() == "presigned upload URL issued"]
    fields = issued.fields  # type: ignore[attr-defined]
    assert {k: fields[k] for k in ("bucket", "key", "size", "content_type", "expires_in", "request_id")} == {
        "bucket": AUDIO,
        "key": "talks/talk.m4a",
        "size": 31_000_000,
        "content_type": "audio/mp4",
        "expires_in": 900,
        "request_id": Context.aws_request_id,
    }
    everything = json.dumps([record.getMessage() for record in logged] + [r.fields for r in logged], default=str)  # type: ignore[attr-defined]
    assert "X-Amz-Signature" not in everything
    assert answer(response)["url"] not in everything


@pytest.mark.parametrize(("variable", "value"), [("AUDIO_BUCKET", ""), ("URL_EXPIRY_SECONDS", "7200")])
def test_a_bad_setting_is_a_500_and_a_log_line_naming_it(
    s3: Any, logged: list[logging.LogRecord], monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    response = function.handler(proxy_event("talks", "talk.mp3", {"size": 5}), Context())
    assert response["statusCode"] == 500
    assert "misconfigured" in answer(response)["message"]
    [error] = [record for record in logged if record.levelno == logging.ERROR]
    assert variable in error.fields["error"]  # type: ignore[attr-defined]
