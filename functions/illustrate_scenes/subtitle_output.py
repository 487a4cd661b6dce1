"""The image function's subtitle step: write the re-cut tracks next to the images and say in the manifest what exists.

Runs after the images, before the manifest (the manifest lists the tracks). A track whose files cannot be written is
recorded as `failed` with the reason and costs no other track, no image and not the manifest: a re-drive of the event
rewrites every file under the same keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from illustrate_scenes.plan import Plan
from illustrate_scenes.subtitle_tracks import Track, track_entry, write_tracks
from pipeline_core import log

Put = Callable[[str, bytes, str], None]


def _write(job: str, track: Track, put: Put) -> dict[str, Any]:
    try:
        [entry] = write_tracks(job, [track], put)
    except (ClientError, BotoCoreError) as exc:
        log.error("subtitle track not written", job_name=job, language=track.language, reason=str(exc))
        return track_entry(job, track.language, track.kind, "failed", f"writing the files failed: {exc}")
    return entry


def write_subtitles(job: str, plan: Plan, put: Put) -> dict[str, Any]:
    """The manifest fields `subtitle_tracks` and `subtitle_quality` (empty list and None without speech)."""
    if plan.subtitle_track is None:
        return {"subtitle_tracks": [], "subtitle_quality": None}
    tracks = [_write(job, plan.subtitle_track, put)]
    log.info(
        "subtitles re-cut",
        job_name=job,
        language=plan.subtitle_track.language,
        profile=plan.subtitle_track.profile.name,
        cues=len(plan.subtitle_track.cues),
    )
    return {"subtitle_tracks": tracks, "subtitle_quality": plan.subtitle_quality}
