"""The results function as API Gateway invokes it (Lambda proxy, REST, GET): status from the buckets, presigned GET
URLs on the Regional endpoint that download the object, 404 for no upload, 500 naming nothing secret when misconfigured;
the URLs are never logged."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
import requests
from moto import mock_aws

from pipeline_core import aws, naming
from read_results import handler as function

AUDIO, TRANSCRIPTS, IMAGES = "talks-audio", "talks-transcripts", "talks-images"


def get_event(folder: str, name: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "resource": "/{folder}/{object}",
        "path": f"/{folder}/{name}",
        "httpMethod": "GET",
        "headers": {"x-api-key": "secret"},
        "queryStringParameters": query,
        "pathParameters": {"folder": folder, "object": name},
        "requestContext": {"resourcePath": "/{folder}/{object}", "httpMethod": "GET", "stage": "v1"},
        "body": None,
        "isBase64Encoded": False,
    }


class Context:
    aws_request_id = "0f1e2d3c-7b61-11e6-9a41-93e8deadbeef"


@pytest.fixture
def s3(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    for name, value in (("AUDIO_BUCKET", AUDIO), ("TRANSCRIPT_BUCKET", TRANSCRIPTS), ("IMAGE_BUCKET", IMAGES)):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("URL_EXPIRY_SECONDS", raising=False)
    function.settings.cache_clear()
    function.store.cache_clear()
    aws.reset_clients()
    with mock_aws():
        client = boto3.client("s3")
        for bucket in (AUDIO, TRANSCRIPTS, IMAGES):
            client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        yield client
    function.settings.cache_clear()
    function.store.cache_clear()
    aws.reset_clients()


def test_a_started_job_is_transcribing_with_a_working_presigned_audio_link(
    s3: Any, logged: list[logging.LogRecord]
) -> None:
    etag = s3.put_object(Bucket=AUDIO, Key="talks/talk.mp3", Body=b"ID3 audio")["ETag"].strip('"')
    job = naming.job_name(AUDIO, "talks/talk.mp3", etag)
    s3.put_object(Bucket=TRANSCRIPTS, Key=naming.job_record_key(job), Body=json.dumps({"started_at": "t0"}).encode())
    response = function.handler(get_event("talks", "talk.mp3"), Context())
    assert response["statusCode"] == 200
    assert response["headers"] == {"Content-Type": "application/json", "Cache-Control": "no-store"}
    document = json.loads(response["body"])
    assert (document["status"], document["job_name"]) == ("transcribing", job)
    url = document["links"]["audio"]
    parts = urlsplit(url)
    assert parts.hostname == f"{AUDIO}.s3.eu-west-1.amazonaws.com"  # Regional, virtual-hosted
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in parts.query
    assert "X-Amz-Expires=900" in parts.query
    assert requests.get(url, timeout=10).content == b"ID3 audio"
    [line] = [record for record in logged if record.getMessage() == "results answered"]
    assert "X-Amz-Signature" not in json.dumps(vars(line), default=str)


def test_no_upload_is_404(s3: Any) -> None:
    response = function.handler(get_event("talks", "none.mp3"), Context())
    assert response["statusCode"] == 404
    assert json.loads(response["body"])["key"] == "talks/none.mp3"


def test_misconfiguration_is_500_and_logged(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("URL_EXPIRY_SECONDS", "7200")
    function.settings.cache_clear()
    response = function.handler(get_event("talks", "talk.mp3"), Context())
    assert response["statusCode"] == 500
    assert "misconfigured" in json.loads(response["body"])["message"]
