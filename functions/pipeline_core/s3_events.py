"""S3 event notifications -> the objects they name, one result per record so one bad record loses nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus


@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str  # decoded: "red+flower.jpg" in the event is "red flower.jpg" here
    size: int | None
    etag: str
    version_id: str | None
    event_name: str


@dataclass(frozen=True)
class MalformedRecord:
    index: int
    reason: str
    record: Any


def _normalise_etag(etag: str) -> str:
    # S3 events carry the ETag bare, HeadObject/GetObject quoted; both must name the same object version.
    return etag.strip().strip('"')


def parse_record(index: int, record: Any) -> S3Object | MalformedRecord:
    if not isinstance(record, dict):
        return MalformedRecord(index, "record is not a JSON object", record)
    if record.get("eventSource") != "aws:s3":
        return MalformedRecord(index, f"eventSource is {record.get('eventSource')!r}, expected 'aws:s3'", record)
    s3 = record.get("s3")
    bucket = s3.get("bucket", {}).get("name") if isinstance(s3, dict) else None
    obj = s3.get("object") if isinstance(s3, dict) else None
    if not bucket or not isinstance(obj, dict) or not obj.get("key"):
        return MalformedRecord(index, "record lacks s3.bucket.name or s3.object.key", record)
    size = obj.get("size")
    version_id = obj.get("versionId")
    return S3Object(
        bucket=bucket,
        key=unquote_plus(obj["key"]),
        size=int(size) if str(size).isdigit() else None,
        etag=_normalise_etag(str(obj.get("eTag", ""))),
        # A bucket with versioning suspended reports the literal "null" version.
        version_id=version_id if version_id and version_id != "null" else None,
        event_name=str(record.get("eventName", "")),
    )


def parse_event(event: Any) -> list[S3Object | MalformedRecord]:
    """Every record of an S3 notification event; an event without records (e.g. s3:TestEvent) yields none."""
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list):
        return []
    return [parse_record(index, record) for index, record in enumerate(records)]
