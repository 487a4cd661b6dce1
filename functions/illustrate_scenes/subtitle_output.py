"""The image function's subtitle step: write the re-cut tracks next to the images and say in the manifest what exists.

Runs after the images, before the manifest (the manifest lists the tracks). The original track comes first; each
language of SUBTITLE_LANGUAGES is then translated on its own. A track that cannot be made or written is recorded as
`failed` with the reason and costs no other track, no image and not the manifest: a re-drive of the event rewrites
every file under the same keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from illustrate_scenes.plan import Plan
from illustrate_scenes.subtitle_tracks import SubtitleOptions, Track, quality_report, track_entry, write_tracks
from illustrate_scenes.subtitle_translation import TranslationUnavailable, translate_track
from pipeline_core import aws, log

Put = Callable[[str, bytes, str], None]


def _write(job: str, track: Track, put: Put) -> dict[str, Any]:
    try:
        [entry] = write_tracks(job, [track], put)
    except (ClientError, BotoCoreError) as exc:
        log.error("subtitle track not written", job_name=job, language=track.language, reason=str(exc))
        return track_entry(job, track.language, track.kind, "failed", f"writing the files failed: {exc}")
    return entry


def _translation(
    job: str, original: Track, target: str, options: SubtitleOptions, translate: Any
) -> Track | dict[str, Any]:
    """The translated track, or the manifest entry of its failure."""
    try:
        return translate_track(original, target, options, translate)
    except (TranslationUnavailable, ClientError, BotoCoreError, KeyError, ValueError) as exc:
        reason = f"translation failed: {exc}"
        log.error("subtitle translation failed", job_name=job, language=target, reason=reason)
        return track_entry(job, target, "translation", "failed", reason)


def write_subtitles(
    job: str, plan: Plan, put: Put, options: SubtitleOptions | None = None, translate: Any = None
) -> dict[str, Any]:
    """The manifest fields `subtitle_tracks` and `subtitle_quality` (empty list and None without speech).
    `translate`: the Amazon Translate client (the handler's, as for scene text); None: the container's."""
    original = plan.subtitle_track
    if original is None:
        return {"subtitle_tracks": [], "subtitle_quality": None}
    entries = [_write(job, original, put)]
    quality = dict(plan.subtitle_quality or {})
    translations: dict[str, Any] = {}
    for target in (options or SubtitleOptions()).languages:
        made = _translation(job, original, target, options or SubtitleOptions(), translate or aws.client("translate"))
        if isinstance(made, Track):
            entries.append(_write(job, made, put))
            translations[target] = quality_report(made, None)
        else:
            entries.append(made)
    if translations:
        quality["translations"] = translations
    log.info(
        "subtitles re-cut",
        job_name=job,
        language=original.language,
        profile=original.profile.name,
        cues=len(original.cues),
        tracks=[f"{e['language']}:{e['status']}" for e in entries],
    )
    return {"subtitle_tracks": entries, "subtitle_quality": quality}
