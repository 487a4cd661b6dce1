"""One transcript, end to end: read it and its siblings from S3, plan, generate, write images, gallery and manifest.

Idempotency: the manifest records the transcript's ETag. A manifest for the same ETag that is not `retryable` means
the work is done, and a repeated S3 event (at-least-once delivery, Lambda's async retries) ends without calling
Bedrock. Retries: when every scene failed for a transient reason (throttling, 5xx, timeouts after the client's own
retries, access to the model not granted yet, a model past its end of life), the manifest is written with
`retryable: true` and `TransientFailure` is raised, so Lambda's asynchronous retries and then its on-failure
destination (the dead-letter queue, from which scripts/redrive.py re-drives the event once the cause is fixed) apply.
A partial result whose missing scenes failed for such a reason is retryable too: the next attempt draws only the
missing scenes (`resume`), never the images already written. Filtered scenes and a malformed transcript are final.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from illustrate_scenes import gallery, player_copy, resume, subtitle_output
from illustrate_scenes.announce import announce
from illustrate_scenes.director import look_from_manifest
from illustrate_scenes.generation import GenerationConfig, SceneResult, classify_error, generate_scenes, region_of
from illustrate_scenes.plan import READY, PlannedScene, SourceFile, build_plan
from illustrate_scenes.scene_prompts import plan_prompts, softener
from illustrate_scenes.settings import Settings
from pipeline_core import log, naming
from pipeline_core.s3_events import S3Object

PNG = "image/png"
JSON = "application/json"
HTML = "text/html; charset=utf-8"
_MISSING = {"NoSuchKey", "404", "NotFound"}


class TransientFailure(RuntimeError):
    """Every scene failed for a reason a later attempt may not have; raised after the manifest was written."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def get_object(s3: Any, bucket: str, key: str) -> tuple[bytes, str] | None:
    """(body, ETag without quotes), or None when the key does not exist.

    Without s3:ListBucket on the bucket, S3 answers AccessDenied instead of NoSuchKey for a missing key; that is
    raised, not mistaken for "missing", so a permissions gap cannot pass for silent audio.
    """
    try:
        response = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code in _MISSING:
            return None
        if code == "AccessDenied":
            log.error(
                "S3 denied GetObject; the role needs s3:GetObject on the object and s3:ListBucket on the bucket",
                bucket=bucket,
                key=key,
            )
        raise
    return response["Body"].read(), str(response.get("ETag", "")).strip('"')


def _put(s3: Any, bucket: str, key: str, body: bytes, content_type: str) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)


def already_done(manifest: dict[str, Any] | None, etag: str) -> bool:
    return bool(manifest and etag and manifest.get("transcript_etag") == etag and manifest.get("retryable") is False)


def _read_json(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    found = get_object(s3, bucket, key)
    if found is None:
        return None
    try:
        value = json.loads(found[0])
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _subtitles(s3: Any, bucket: str, job: str) -> dict[str, SourceFile | None]:
    """The .srt and .vtt Transcribe wrote next to the transcript; None where there is none (silent audio)."""
    found: dict[str, SourceFile | None] = {}
    for kind in ("srt", "vtt"):
        key = naming.subtitle_key(job, kind)
        sibling = get_object(s3, bucket, key)
        found[kind] = SourceFile(key, sibling[0]) if sibling else None
    return found


def _source_audio(s3: Any, bucket: str, job: str, fields: dict[str, Any]) -> tuple[str | None, str | None]:
    record = _read_json(s3, bucket, naming.job_record_key(job))
    if record is None:
        log.warning(
            "job record missing or unreadable; source audio unknown", record_key=naming.job_record_key(job), **fields
        )
        return None, None
    audio_bucket, audio_key = record.get("audio_bucket"), record.get("audio_key")
    return (audio_bucket if isinstance(audio_bucket, str) else None, audio_key if isinstance(audio_key, str) else None)


def illustrate_transcript(  # noqa: PLR0917 - the clients and the clock come from the handler
    obj: S3Object,
    job: str,
    settings: Settings,
    s3: Any,
    bedrock: Any,
    translate: Any = None,
    remaining_seconds: Callable[[], float] | None = None,
) -> dict[str, Any] | None:
    """The manifest written for `obj` (a transcripts/<job>.json object), or None when there was nothing to do."""
    fields = {"bucket": obj.bucket, "key": obj.key, "job_name": job}
    started_at = _now()
    existing = _read_json(s3, settings.image_bucket, naming.manifest_key(job))
    if already_done(existing, obj.etag):
        log.info("transcript already illustrated; skipped", etag=obj.etag, **fields)
        announce(s3, settings.image_bucket, existing or {})  # unless sent: the attempt that wrote it may have failed
        return None
    found = get_object(s3, obj.bucket, obj.key)
    if found is None:
        log.warning("transcript no longer exists; skipped", **fields)
        return None
    transcript_data, etag = found
    etag = etag or obj.etag
    if etag != obj.etag and already_done(existing, etag):
        log.info("transcript already illustrated; skipped", etag=etag, **fields)
        return None

    subtitles = _subtitles(s3, obj.bucket, job)
    audio_bucket, audio_key = _source_audio(s3, obj.bucket, job, fields)
    plan = build_plan(
        job,
        settings.plan_options(),
        transcript=SourceFile(obj.key, transcript_data),
        srt=subtitles["srt"],
        vtt=subtitles["vtt"],
    )
    for warning in plan.warnings:
        log.warning(warning, **fields)
    log.info(
        "transcript planned",
        status=plan.status,
        reason=plan.reason,
        scenes=len(plan.scenes),
        scene_source=plan.scene_source,
        language_code=plan.language_code,
        **fields,
    )

    results: list[SceneResult] = []
    look = None
    if plan.status == READY:

        def store(scene: PlannedScene, image: bytes) -> str:
            key = naming.scene_image_key(job, scene.index)
            _put(s3, settings.image_bucket, key, image, PNG)
            return key

        done = resume.finished_scenes(existing, etag, plan.scenes)
        finished = {result.scene.index for result in done}
        missing = [scene for scene in plan.scenes if scene.index not in finished]
        if done:
            log.info("earlier attempt kept", scenes_kept=len(done), scenes_missing=len(missing), **fields)
        chosen = plan_prompts(
            missing,
            model=settings.image_model,
            style=settings.style,
            language_code=plan.language_code,
            prompt_model_id=settings.prompt_model_id,
            bedrock=bedrock,
            translate=translate,
            describe_error=lambda exc: str(
                classify_error(exc, settings.prompt_model_id or "", region_of(bedrock)).reason
            ),
            look=look_from_manifest((existing or {}).get("look")) if done else None,
        )
        look = chosen.look_dict()
        log.info(
            "prompts planned", director_calls=chosen.director_calls, translate_calls=chosen.translate_calls, **fields
        )
        config = GenerationConfig(
            model=settings.image_model,
            aspect_ratio=settings.aspect_ratio,
            concurrency=settings.concurrency,
            soften=softener(bedrock, settings.prompt_model_id, chosen.look, settings.image_model, settings.style),
            remaining_seconds=remaining_seconds,
        )
        drawn = generate_scenes(missing, config, bedrock, store, log_fields=fields, scene_prompts=chosen.prompts)
        results = sorted([*done, *drawn], key=lambda result: result.scene.index)

    run = gallery.RunInfo(
        job=job,
        transcript_bucket=obj.bucket,
        transcript_key=obj.key,
        transcript_etag=etag,
        source_audio_bucket=audio_bucket,
        source_audio_key=audio_key,
        subtitle_keys={kind: source.name if source else None for kind, source in subtitles.items()},
        model_id=settings.image_model_id,
        image_size=settings.image_model.size_label(settings.aspect_ratio),
        prompt_model_id=settings.prompt_model_id,
        style=settings.style,
        scene_seconds=settings.scene_seconds,
        max_images=settings.max_images,
        started_at=started_at,
        finished_at=_now(),
        bedrock_region=settings.bedrock_region,
        look=look,
    )
    manifest = gallery.build_manifest(run, plan, results)
    manifest.update(
        subtitle_output.write_subtitles(
            job, plan, lambda k, b, t: _put(s3, settings.image_bucket, k, b, t), settings.subtitles, translate
        )
    )
    # The player inlines the subtitle tracks just written.
    player_page = player_copy.render_bucket_copy(manifest, settings.image_bucket, s3)
    _put(s3, settings.image_bucket, naming.gallery_key(job), player_page.encode("utf-8"), HTML)
    # Last: a manifest means "done" to the next event for this ETag (unless it says retryable).
    _put(s3, settings.image_bucket, naming.manifest_key(job), gallery.manifest_bytes(manifest), JSON)
    log_fields = {**fields, "status": manifest["status"], "counts": manifest["counts"], "reason": manifest["reason"]}
    if manifest["status"] == "failed":
        log.error("transcript not illustrated", **log_fields)
    else:
        log.info("transcript illustrated", manifest_key=naming.manifest_key(job), **log_fields)
    if manifest["retryable"]:
        raise TransientFailure(f"{obj.key}: {manifest['reason']}")
    announce(s3, settings.image_bucket, manifest)
    return manifest
