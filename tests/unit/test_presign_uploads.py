"""presign_upload.uploads: which request gets a presigned upload URL, what the URL signs, and the answers."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import pytest
from botocore.config import Config

from pipeline_core.config import ConfigError
from pipeline_core.contract import CONTRACT
from presign_upload import uploads
from start_transcription import jobs

FUNCTIONS = Path(__file__).parents[2] / "functions"


def event(folder: str | None, name: str | None, body: Any, *, base64_body: bool = True) -> dict[str, Any]:
    """An API Gateway REST proxy event as the module's POST route delivers it (binary media types */*)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return {
        "httpMethod": "POST",
        "resource": "/{folder}/{object}",
        "pathParameters": {"folder": folder, "object": name},
        "body": base64.b64encode(raw).decode() if base64_body else raw.decode(),
        "isBase64Encoded": base64_body,
    }


def refusal(call: Any, *args: Any) -> uploads.InvalidRequest:
    with pytest.raises(uploads.InvalidRequest) as raised:
        call(*args)
    return raised.value


# --- settings -------------------------------------------------------------------------------------------------------


def test_settings_default_to_a_15_minute_url() -> None:
    settings = uploads.load_settings({"AUDIO_BUCKET": "talks-audio"})
    assert settings == uploads.Settings(audio_bucket="talks-audio", expires_in=900, log_level="INFO")


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({}, "AUDIO_BUCKET"),
        ({"AUDIO_BUCKET": "s3://talks-audio"}, "AUDIO_BUCKET"),
        ({"AUDIO_BUCKET": "talks-audio", "URL_EXPIRY_SECONDS": "59"}, "URL_EXPIRY_SECONDS"),
        ({"AUDIO_BUCKET": "talks-audio", "URL_EXPIRY_SECONDS": "3601"}, "URL_EXPIRY_SECONDS"),
        ({"AUDIO_BUCKET": "talks-audio", "URL_EXPIRY_SECONDS": "15m"}, "URL_EXPIRY_SECONDS"),
        ({"AUDIO_BUCKET": "talks-audio", "LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ],
)
def test_bad_settings_name_the_variable(environ: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        uploads.load_settings(environ)


def test_the_expiry_range_is_the_terraform_variables() -> None:
    text = (Path(__file__).parents[2] / "modules" / "upload-api" / "variables.tf").read_text()
    block = text[text.index('variable "presigned_url_expiry_seconds"') :].split("\n}\n", 1)[0]
    assert f"default     = {uploads.DEFAULT_EXPIRY_SECONDS}" in block
    assert f">= {uploads.MIN_EXPIRY_SECONDS} &&" in block
    assert f"<= {uploads.MAX_EXPIRY_SECONDS} &&" in block


# --- the key --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("media_format", CONTRACT.media_formats)
def test_every_format_in_lower_or_upper_case_is_accepted(media_format: str) -> None:
    assert uploads.check_key("talks", f"talk.{media_format}") == media_format
    assert uploads.check_key("talks", f"TALK.{media_format.upper()}") == media_format


@pytest.mark.parametrize("media_format", CONTRACT.media_formats)
def test_a_mixed_case_extension_is_refused_with_a_rename_hint(media_format: str) -> None:
    mixed = media_format[0].upper() + media_format[1:]
    name = f"Talk.{mixed}"
    # The notification's suffix filters decide: a name none of them matches would be stored and never transcribed.
    assert not name.endswith(tuple(CONTRACT.audio_suffixes()))
    error = refusal(uploads.check_key, "talks", name)
    assert error.field == "object"
    assert f"rename it to 'Talk.{media_format}'" in str(error)
    assert f"'.{media_format}' and '.{media_format.upper()}'" in str(error)
    assert uploads.mixed_case_hint(name) is not None


def test_the_hint_is_only_for_mixed_case() -> None:
    assert uploads.mixed_case_hint("talk.mp3") is None
    assert uploads.mixed_case_hint("TALK.MP3") is None
    assert uploads.mixed_case_hint("Talk.Txt") is None  # not a format at all: a different refusal
    assert uploads.mixed_case_hint("talk.mP3") is not None


@pytest.mark.parametrize(
    ("folder", "name", "field", "words"),
    [
        ("", "talk.mp3", "folder", "must not be empty"),
        ("talks", "", "object", "must not be empty"),
        ("a/b", "talk.mp3", "folder", "one path segment"),
        ("talks", "x/talk.mp3", "object", "one path segment"),
        ("..", "talk.mp3", "folder", "dot segment"),
        ("talks", "notes.txt", "object", "'.txt'; Amazon Transcribe accepts .amr, .flac"),
        ("talks", "README", "object", "no extension"),
    ],
)
def test_keys_that_cannot_be_transcribed_are_refused(folder: str, name: str, field: str, words: str) -> None:
    error = refusal(uploads.check_key, folder, name)
    assert error.field == field
    assert words in str(error)
    assert str(error).startswith(f"{field}: ")


def test_the_key_may_have_1024_bytes_of_utf8_and_no_more() -> None:
    folder = "f"
    fits = "ü" * ((1024 - len("f/.mp3")) // 2) + ".mp3"  # two bytes per ü
    assert len(f"{folder}/{fits}".encode()) == 1024
    assert uploads.check_key(folder, fits) == "mp3"
    error = refusal(uploads.check_key, folder, "x" + fits)
    assert "1025 bytes" in str(error)


def test_path_segments_are_percent_decoded_once() -> None:
    assert uploads.decode_segment("object", "Zo%C3%AB%20%2B%201.mp3") == "Zoë + 1.mp3"
    assert uploads.decode_segment("object", "a+b.mp3") == "a+b.mp3"  # '+' is a plus in a path, not a space
    assert "UTF-8" in str(refusal(uploads.decode_segment, "folder", "%FF"))
    assert "missing" in str(refusal(uploads.decode_segment, "folder", None))


# --- the body -------------------------------------------------------------------------------------------------------


def test_the_body_may_arrive_base64_encoded_or_as_text() -> None:
    document = {"size": 123, "content_type": "audio/mpeg"}
    as_binary = event("t", "a.mp3", document)
    as_text = event("t", "a.mp3", document, base64_body=False)
    assert uploads.parse_body(as_binary["body"], is_base64=True) == document
    assert uploads.parse_body(as_text["body"], is_base64=False) == document


@pytest.mark.parametrize(
    ("body", "is_base64", "words"),
    [
        (None, False, "expected a JSON object"),
        ("", False, "expected a JSON object"),
        ("not json", False, "not JSON"),
        ("[1, 2]", False, "expected a JSON object"),
        ("%%%", True, "not base64"),
        ('{"size": 1, "sise": 2}', False, "unknown field(s) sise"),
        ('{"size": 1, "pad": "' + "x" * 5000 + '"}', False, "bytes; expected a small JSON object"),
    ],
)
def test_bodies_that_are_not_a_request_are_refused(body: Any, is_base64: bool, words: str) -> None:
    error = refusal(lambda: uploads.parse_body(body, is_base64=is_base64))
    assert error.field == "body"
    assert words in str(error)


def test_sizes_from_one_byte_to_transcribes_limit_are_accepted() -> None:
    assert uploads.check_size(1) == 1
    assert uploads.check_size(uploads.MAX_UPLOAD_BYTES) == uploads.MAX_UPLOAD_BYTES
    # The transcription function rejects what is over its limit: both must draw the line at the same byte.
    assert uploads.MAX_UPLOAD_BYTES == jobs.MAX_MEDIA_BYTES


@pytest.mark.parametrize(
    ("size", "words"),
    [
        (0, "at least 1 byte"),
        (-5, "at least 1 byte"),
        (uploads.MAX_UPLOAD_BYTES + 1, "over Amazon Transcribe's limit of 2 GB"),
        (True, "whole number of bytes"),
        (12.5, "whole number of bytes"),
        (1e6, "whole number of bytes"),
        ("12345", "whole number of bytes"),
        (None, "whole number of bytes"),
    ],
)
def test_sizes_that_cannot_be_transcribed_are_refused(size: Any, words: str) -> None:
    error = refusal(uploads.check_size, size)
    assert error.field == "size"
    assert words in str(error)


@pytest.mark.parametrize("media_format", CONTRACT.media_formats)
def test_without_a_content_type_the_formats_usual_type_is_signed(media_format: str) -> None:
    default = uploads.check_content_type(None, media_format)
    assert uploads.check_content_type(default, media_format) == default  # the default passes its own check


@pytest.mark.parametrize(
    "value",
    [
        "audio/mpeg",
        "audio/x-wav",
        "Audio/MPEG",
        "audio/ogg; codecs=opus",
        "video/mp4",
        "video/webm",
        uploads.OCTET_STREAM,
    ],
)
def test_audio_the_two_video_types_and_octet_stream_are_accepted_as_given(value: str) -> None:
    assert uploads.check_content_type(value, "mp3") == value


@pytest.mark.parametrize(
    "value", ["text/plain", "video/quicktime", "image/png", "audio/", "audio", "", "  ", 5, "audio/mpeg\r\nX-Evil: 1"]
)
def test_other_content_types_are_refused(value: Any) -> None:
    error = refusal(uploads.check_content_type, value, "mp3")
    assert error.field == "content_type"
    assert "audio/*, video/mp4, video/webm or application/octet-stream" in str(error)


def test_an_event_becomes_the_request_for_the_key_the_put_would_write() -> None:
    request = uploads.request_from_event(event("Fall%20talks", "Zo%C3%AB.WAV", {"size": 42}))
    assert request == uploads.UploadRequest("Fall talks", "Zoë.WAV", 42, "audio/wav", "wav")
    assert request.key == "Fall talks/Zoë.WAV"


# --- the answer -----------------------------------------------------------------------------------------------------


@pytest.fixture
def signer(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Signing is local: a client with fake credentials signs without any request."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    return boto3.client("s3", region_name="eu-west-1", config=Config(signature_version="s3v4"))


def test_the_url_signs_the_key_type_and_exact_length(signer: Any) -> None:
    request = uploads.UploadRequest("talks", "Zoë talk.wav", 12_582_912, "audio/wav", "wav")
    document = uploads.presigned_upload(signer, "talks-audio", request, 600)
    url = urlsplit(document["url"])
    query = parse_qs(url.query)
    assert unquote(url.path).endswith("/talks/Zoë talk.wav")
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["600"]
    # S3 refuses an upload whose signed headers differ: another type, or another size than the one checked.
    # If-None-Match: * is signed as well: one URL creates at most one object, however often it is replayed.
    assert query["X-Amz-SignedHeaders"] == ["content-length;content-type;host;if-none-match"]
    assert {k: v for k, v in document.items() if k != "url"} == {
        "method": "PUT",
        "headers": {"Content-Type": "audio/wav", "Content-Length": "12582912", "If-None-Match": "*"},
        "key": "talks/Zoë talk.wav",
        "bucket": "talks-audio",
        "size": 12_582_912,
        "expires_in": 600,
    }


def test_respond_answers_200_with_the_url_or_400_naming_the_field(signer: Any) -> None:
    ok = uploads.respond(event("talks", "talk.mp3", {"size": 20_000_000}), signer, "talks-audio", 900)
    assert ok.response["statusCode"] == 200
    assert ok.request is not None
    assert ok.request.key == "talks/talk.mp3"
    assert json.loads(ok.response["body"])["headers"]["Content-Type"] == "audio/mpeg"

    refused = uploads.respond(event("talks", "Talk.Mp3", {"size": 20_000_000}), signer, "talks-audio", 900)
    assert refused.request is None
    assert refused.response["statusCode"] == 400
    assert json.loads(refused.response["body"])["message"].startswith("object: 'Talk.Mp3': the extension '.Mp3'")
    for outcome in (ok, refused):
        assert outcome.response["headers"] == {"Content-Type": "application/json", "Cache-Control": "no-store"}
        assert outcome.response["isBase64Encoded"] is False


def test_the_rules_need_nothing_but_the_standard_library() -> None:
    """scripts/client.py uses them, and its upload needs no boto3."""
    probe = "import sys, presign_upload.uploads; print(sorted(m for m in sys.modules if m.startswith('boto')))"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "PYTHONPATH": str(FUNCTIONS)},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
