"""The manifest the image function leaves behind for one transcript: the record of every scene, prompt and image.

The manifest is written last; its presence with `retryable: false` means the transcript (identified by its ETag) is
done. The page beside it (index.html) is the player (functions/player), rendered from the manifest alone, so both
always agree.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from illustrate_scenes.generation import SceneResult
from illustrate_scenes.plan import FAILED, NO_SPEECH, Plan

MANIFEST_VERSION = 1
COMPLETE, PARTIAL = "complete", "partial"


@dataclass(frozen=True)
class RunInfo:
    job: str
    transcript_bucket: str
    transcript_key: str
    transcript_etag: str
    source_audio_bucket: str | None
    source_audio_key: str | None
    subtitle_keys: dict[str, str | None]
    model_id: str
    image_size: str
    prompt_model_id: str | None
    style: str
    scene_seconds: float
    max_images: int
    started_at: str
    finished_at: str
    bedrock_region: str | None = None
    look: dict[str, Any] | None = None  # the prompt director's look for the whole file


def _seconds(ms: int) -> float:
    return round(ms / 1000, 3)


def build_manifest(run: RunInfo, plan: Plan, results: Sequence[SceneResult] = ()) -> dict[str, Any]:
    counts = {"ok": 0, "filtered": 0, "failed": 0}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    retryable = False
    if plan.status in (FAILED, NO_SPEECH):
        status, reason = plan.status, plan.reason
    elif results and counts["ok"] == len(results):
        status, reason = COMPLETE, None
    elif counts["ok"]:
        status, reason = PARTIAL, f"{counts['filtered']} scene(s) filtered, {counts['failed']} failed"
        # Missing scenes that may succeed later keep the file re-drivable; the next attempt draws only those.
        retryable = any(r.status == "failed" and r.transient for r in results)
        if retryable:
            reason += "; the failed scenes may succeed later, so the event is retried for them only"
    else:
        status = FAILED
        retryable = bool(results) and all(r.status == "failed" and r.transient for r in results)
        reason = f"no scene was illustrated ({counts['filtered']} filtered, {counts['failed']} failed)"
        first = next((r.reason for r in results if r.status == "failed" and r.reason), None)
        if first:
            # One failure's words (throttled, access denied to model X in Region Y, ...) say what to fix.
            reason += f"; first failure: {first}"
        if retryable:
            reason += (
                "; every failure may clear on a later attempt, so the event is retried and, should it keep failing, "
                "kept in the function's dead-letter queue for a re-drive"
            )
    return {
        "manifest_version": MANIFEST_VERSION,
        "status": status,
        "reason": reason,
        "retryable": retryable,
        "job_name": run.job,
        "source_audio_bucket": run.source_audio_bucket,
        "source_audio_key": run.source_audio_key,
        "transcript_bucket": run.transcript_bucket,
        "transcript_key": run.transcript_key,
        "transcript_etag": run.transcript_etag,
        "subtitle_keys": run.subtitle_keys,
        "scene_source": plan.scene_source,
        "language_code": plan.language_code,
        "model_id": run.model_id,
        "image_size": run.image_size,
        "prompt_model_id": run.prompt_model_id,
        "bedrock_region": run.bedrock_region,
        "look": run.look,
        "base_seed": plan.base_seed,
        "style": run.style,
        "negative_prompt": plan.scenes[0].negative_prompt if plan.scenes else None,
        "scene_seconds": run.scene_seconds,
        "max_images": run.max_images,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "counts": counts,
        "warnings": list(plan.warnings),
        "scene_cap": _scene_cap(plan),
        "scenes": [_scene_entry(result) for result in results],
    }


def _scene_cap(plan: Plan) -> dict[str, Any] | None:
    """Set when MAX_IMAGES_PER_FILE, not SCENE_SECONDS, decided how many scenes (and so how long each) there are."""
    cap = plan.scene_cap
    if cap is None:
        return None
    return {
        "wanted_scenes": cap.wanted,
        "max_images": cap.allowed,
        "speech_seconds": cap.speech_seconds,
        "average_scene_seconds": cap.average_seconds,
    }


def _scene_entry(result: SceneResult) -> dict[str, Any]:
    scene = result.scene
    entry: dict[str, Any] = {
        "index": scene.index,
        "start": _seconds(scene.start_ms),
        "end": _seconds(scene.end_ms),
        "text": scene.text,
        "prompt": result.prompt,
        "prompt_source": result.prompt_source,
        "seed": scene.seed,
        "image_key": result.image_key,
        "status": result.status,
        "reason": result.reason,
        "prompt_note": result.prompt_note,
    }
    if len(result.attempts) > 1:  # a filtered scene retried with a softened prompt: both attempts
        entry["attempts"] = [
            {"prompt": a.prompt, "prompt_source": a.prompt_source, "status": a.status, "reason": a.reason}
            for a in result.attempts
        ]
    if scene.speakers:
        entry["speakers"] = list(scene.speakers)
    return entry


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
