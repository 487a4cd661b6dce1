"""Rejection records: what a user finds under errors/ in the transcript bucket when an upload cannot be processed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pipeline_core.s3_events import S3Object


def rejection_record(obj: S3Object, reason: str, detail: str, stage: str) -> dict[str, Any]:
    """`reason` is a stable machine-readable code (e.g. 'unsupported-format'); `detail` says what was expected."""
    return {
        "stage": stage,
        "reason": reason,
        "detail": detail,
        "bucket": obj.bucket,
        "key": obj.key,
        "etag": obj.etag,
        "version_id": obj.version_id,
        "size": obj.size,
        "rejected_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def to_json_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
