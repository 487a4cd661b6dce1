"""A later attempt (Lambda's async retry, or a re-drive from the dead-letter queue) fills only the missing scenes.

An earlier manifest for the same transcript ETag that is `retryable` lists the scenes whose image was already written.
Those scenes are not drawn (nor paid for) again: their results are rebuilt from the manifest, provided the plan gives
the same scene at the same index (same time range and text: planning is deterministic for the same settings). The
earlier look is kept so the new images match the old ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from illustrate_scenes.generation import PROMPT_PLAIN, SceneResult
from illustrate_scenes.plan import PlannedScene


def _same(scene: PlannedScene, entry: dict[str, Any]) -> bool:
    return (
        entry.get("text") == scene.text
        and entry.get("start") == round(scene.start_ms / 1000, 3)
        and entry.get("end") == round(scene.end_ms / 1000, 3)
        and entry.get("seed") == scene.seed
    )


def finished_scenes(previous: dict[str, Any] | None, etag: str, scenes: Sequence[PlannedScene]) -> list[SceneResult]:
    """Results of the scenes an earlier, retryable attempt on this ETag already illustrated."""
    if not previous or previous.get("transcript_etag") != etag or previous.get("retryable") is not True:
        return []
    by_index = {
        entry.get("index"): entry
        for entry in previous.get("scenes") or []
        if isinstance(entry, dict) and entry.get("status") == "ok" and isinstance(entry.get("image_key"), str)
    }
    done = []
    for scene in scenes:
        entry = by_index.get(scene.index)
        if entry is None or not _same(scene, entry):
            continue
        done.append(
            SceneResult(
                scene=scene,
                status="ok",
                reason=None,
                transient=False,
                prompt=str(entry.get("prompt") or scene.prompt),
                prompt_source=str(entry.get("prompt_source") or PROMPT_PLAIN),
                prompt_note=entry.get("prompt_note"),
                image_key=entry["image_key"],
                seconds=0.0,
            )
        )
    return done
