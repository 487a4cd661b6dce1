"""Rejection records: what a user finds under errors/ when an upload cannot be processed."""

from __future__ import annotations

import json
from datetime import datetime

from pipeline_core.rejections import rejection_record, to_json_bytes
from pipeline_core.s3_events import S3Object


def test_rejection_record_names_the_upload_and_the_reason() -> None:
    obj = S3Object("audio", "talks/Vortrag 🎤.txt", 12, "abc", "v1", "ObjectCreated:Put")
    record = rejection_record(obj, "unsupported-format", "extension '.txt'; ...", "transcription")
    assert {k: record[k] for k in ("stage", "reason", "bucket", "key", "etag", "version_id", "size")} == {
        "stage": "transcription",
        "reason": "unsupported-format",
        "bucket": "audio",
        "key": "talks/Vortrag 🎤.txt",
        "etag": "abc",
        "version_id": "v1",
        "size": 12,
    }
    assert datetime.fromisoformat(record["rejected_at"]).utcoffset() is not None


def test_json_bytes_are_utf8_and_round_trip() -> None:
    document = {"key": "한국어 🎤.txt", "size": None}
    data = to_json_bytes(document)
    assert "🎤".encode() in data
    assert json.loads(data.decode("utf-8")) == document
