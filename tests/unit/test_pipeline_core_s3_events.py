"""S3 notification events -> objects with decoded keys; malformed records are reported, never raised."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import pytest

from pipeline_core.s3_events import MalformedRecord, S3Object, parse_event, parse_record

SAMPLE = json.loads((Path(__file__).parents[1] / "fixtures" / "s3_event_put_lambda_docs.json").read_text())


def record(**object_fields: Any) -> dict[str, Any]:
    """The documented sample record with its s3.object fields replaced (None removes a field)."""
    result = copy.deepcopy(SAMPLE["Records"][0])
    for name, value in object_fields.items():
        if value is None:
            result["s3"]["object"].pop(name, None)
        else:
            result["s3"]["object"][name] = value
    return result


def test_documented_sample_event() -> None:
    raw = SAMPLE["Records"][0]
    (parsed,) = parse_event(SAMPLE)
    assert parsed == S3Object(
        bucket=raw["s3"]["bucket"]["name"],
        key=raw["s3"]["object"]["key"],
        size=raw["s3"]["object"]["size"],
        etag=raw["s3"]["object"]["eTag"],
        version_id=None,
        event_name=raw["eventName"],
    )


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [
        ("red+flower.jpg", "red flower.jpg"),  # the S3 documentation's example
        ("test%2Fkey", "test/key"),  # the Lambda console's s3-put test template
        ("a%2Bb.mp3", "a+b.mp3"),
        ("100%25.mp3", "100%.mp3"),
    ],
)
def test_documented_key_encodings_are_decoded(encoded: str, decoded: str) -> None:
    parsed = parse_record(0, record(key=encoded))
    assert isinstance(parsed, S3Object)
    assert parsed.key == decoded


@pytest.mark.parametrize(
    "key",
    [
        "uploads/Mein Vortrag.mp3",
        "uploads/a+b=c&d.wav",
        "100% sure; really?.flac",
        "🎤🎶 live.m4a",
        "한국어 강의/첫 번째.ogg",
        "é" * 510 + ".mp3",
        "😀" * 255 + ".mp3",
    ],
)
def test_keys_encoded_as_s3_encodes_them_come_back_unchanged(key: str) -> None:
    # S3 form-encodes keys in events: UTF-8 percent escapes, "+" for a space.
    parsed = parse_record(0, record(key=quote_plus(key, safe="/")))
    assert isinstance(parsed, S3Object)
    assert parsed.key == key


def test_version_id_is_kept_and_the_literal_null_version_is_none() -> None:
    versioned = parse_record(0, record(versionId="3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"))
    suspended = parse_record(0, record(versionId="null"))
    assert isinstance(versioned, S3Object)
    assert isinstance(suspended, S3Object)
    assert versioned.version_id == "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"
    assert suspended.version_id is None


def test_quoted_etag_is_normalised_to_the_bare_form() -> None:
    quoted = parse_record(0, record(eTag='"0123abcd-2"'))
    assert isinstance(quoted, S3Object)
    assert quoted.etag == "0123abcd-2"


@pytest.mark.parametrize(("size", "expected"), [(0, 0), (12, 12), ("12", 12), (None, None), ("big", None), (-1, None)])
def test_size_is_an_int_or_unknown(size: Any, expected: int | None) -> None:
    parsed = parse_record(0, record(size=size))  # None: no size field at all
    assert isinstance(parsed, S3Object)
    assert parsed.size == expected


def test_bad_records_are_reported_in_place_and_good_ones_survive() -> None:
    wrong_source = copy.deepcopy(SAMPLE["Records"][0])
    wrong_source["eventSource"] = "aws:sqs"
    no_key = record(key="")
    no_bucket = copy.deepcopy(SAMPLE["Records"][0])
    del no_bucket["s3"]["bucket"]
    event = {
        "Records": [record(key="first.mp3"), "not a record", wrong_source, no_key, no_bucket, record(key="last.mp3")]
    }

    parsed = parse_event(event)

    assert [type(item) for item in parsed] == [S3Object] + [MalformedRecord] * 4 + [S3Object]
    assert [item.index for item in parsed if isinstance(item, MalformedRecord)] == [1, 2, 3, 4]
    assert [item.key for item in parsed if isinstance(item, S3Object)] == ["first.mp3", "last.mp3"]
    assert all(item.reason for item in parsed if isinstance(item, MalformedRecord))


@pytest.mark.parametrize(
    "event",
    [
        {"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2024-01-01T00:00:00Z", "Bucket": "b"},
        {"Records": "not a list"},
        {"Records": []},
        [],
        None,
    ],
)
def test_events_without_records_yield_nothing(event: Any) -> None:
    assert parse_event(event) == []
