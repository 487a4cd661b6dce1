"""The image function's completion event (pipeline_core.completion): complete, partial or failed, once per file.

A retryable manifest (every scene failed for now) is not the end of the file: the retry announces when it ends.
"""

from __future__ import annotations

from typing import Any

from pipeline_core import aws, completion, naming

_STATUS = {"complete": "complete", "partial": "partial", "no speech": "complete"}


def announce(s3: Any, image_bucket: str, manifest: dict[str, Any]) -> bool:
    """True when the event was sent now; False when it was sent before or the file is not done yet."""
    if manifest.get("retryable"):
        return False
    job = str(manifest["job_name"])
    scenes = [s for s in manifest.get("scenes") or [] if isinstance(s, dict)]
    result_keys = {
        "bucket": image_bucket,
        "manifest": naming.manifest_key(job),
        "player": naming.gallery_key(job),
        "images": [s["image_key"] for s in scenes if s.get("status") == "ok" and s.get("image_key")],
        "transcript": manifest.get("transcript_key"),
        "subtitles": manifest.get("subtitle_keys") or {},
    }
    event_detail = completion.detail(
        job=job,
        source_bucket=manifest.get("source_audio_bucket"),
        source_key=manifest.get("source_audio_key"),
        status=_STATUS.get(str(manifest.get("status")), "failed"),
        reason=manifest.get("reason"),
        counts=manifest.get("counts"),
        result_keys=result_keys,
    )
    marker = naming.image_event_marker_key(job)
    return completion.announce_once(s3, aws.client("events"), image_bucket, marker, event_detail)
