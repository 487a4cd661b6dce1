"""Transcript files -> the scenes, prompts and seeds the image function will use. Pure: no AWS, no clock.

The image function calls this with what it read from S3; scripts/preview_scenes.py calls it with local files, so a
preview shows exactly what a deployment would pay for. Scene text comes from the subtitles the user sees: the
transcript's words re-cut to the reading rules (subtitle_writer); without a transcript JSON, Transcribe's SRT, else
WebVTT; without any speech there is no scene.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from illustrate_scenes import prompts, subtitle_tracks
from illustrate_scenes.image_models import ImageModel, model_for
from illustrate_scenes.scenes import (
    SceneCap,
    Unit,
    image_cap,
    split_scenes,
    units_from_cues,
)
from illustrate_scenes.subtitles import SubtitleError, parse_srt, parse_vtt
from illustrate_scenes.transcript import Transcript, TranscriptError, parse_transcript
from pipeline_core.models import CATALOGUE

READY = "ready"
NO_SPEECH = "no speech"
FAILED = "failed"


@dataclass(frozen=True)
class SourceFile:
    name: str  # shown in messages: the S3 key or the local path
    data: bytes | str


@dataclass(frozen=True)
class PlanOptions:
    model: ImageModel = field(default_factory=lambda: model_for(CATALOGUE.default_image_model))
    scene_seconds: float = 30
    max_images: int = 10
    style: str = ""
    subtitles: subtitle_tracks.SubtitleOptions = field(default_factory=subtitle_tracks.SubtitleOptions)


@dataclass(frozen=True)
class PlannedScene:
    index: int
    start_ms: int
    end_ms: int
    text: str
    prompt: str
    negative_prompt: str
    seed: int
    speakers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    status: str  # READY | NO_SPEECH | FAILED
    reason: str | None = None
    scene_source: str | None = None  # "srt" | "vtt" | "transcript"
    language_code: str | None = None
    scenes: tuple[PlannedScene, ...] = ()
    warnings: tuple[str, ...] = ()
    scene_cap: SceneCap | None = None  # set when the image cap, not the target length, set the number of scenes
    subtitle_track: subtitle_tracks.Track | None = None  # the transcript re-cut to the reading rules
    subtitle_quality: dict | None = None
    base_seed: int | None = None  # one per file; every scene's seed is derived from it


def base_seed(job: str) -> int:
    """The file's base seed: fixed per job, so a re-run (or a re-drive) draws the same pictures."""
    return 1 + int.from_bytes(hashlib.sha256(job.encode()).digest()[:4], "big") % 2_147_483_646


def _text(source: SourceFile) -> str:
    return source.data.decode("utf-8-sig", errors="replace") if isinstance(source.data, bytes) else source.data


def build_plan(
    job: str,
    options: PlanOptions,
    *,
    transcript: SourceFile | None = None,
    srt: SourceFile | None = None,
    vtt: SourceFile | None = None,
) -> Plan:
    parsed: Transcript | None = None
    if transcript is not None:
        try:
            parsed = parse_transcript(transcript.data, transcript.name)
        except TranscriptError as exc:
            return Plan(FAILED, reason=str(exc))
    language = parsed.language_code if parsed else None
    warnings: list[str] = []
    units: list[Unit] = []
    scene_source: str | None = None
    track = None
    if parsed is not None and parsed.has_speech:
        # Scenes follow the re-cut cues: the subtitles the user reads, cut at sentence ends where they fit.
        track = subtitle_tracks.original_track(parsed, options.subtitles)
        units, scene_source = subtitle_tracks.scene_units(track), "recut"
    transcribe_cues = None
    for kind, source, parse in (("srt", srt, parse_srt), ("vtt", vtt, parse_vtt)):
        if source is None:
            continue
        try:
            cues = parse(_text(source), source.name)
        except SubtitleError as exc:
            warnings.append(f"ignored {source.name}: {exc}")
            continue
        if cues:
            transcribe_cues = cues  # measured against the same rules in the quality report
            if not units:
                units, scene_source = units_from_cues(cues), kind
            break
    if parsed is not None and parsed.has_speech and srt is None and vtt is None:
        # Transcribe writes no subtitles for silent audio only, so with speech they should exist.
        warnings.append("no subtitle file next to a transcript with speech; the quality report has nothing to compare")
    if not units:
        return Plan(
            NO_SPEECH, reason="the transcript contains no speech", language_code=language, warnings=tuple(warnings)
        )
    model = options.model
    seed = base_seed(job)
    negative = prompts.negative_prompt(model.negative_prompt_limit) if model.takes_negative_prompt else ""
    scenes = tuple(
        PlannedScene(
            index=scene.index,
            start_ms=scene.start_ms,
            end_ms=scene.end_ms,
            text=scene.text,
            prompt=prompts.plain_prompt(scene.text, options.style, model.prompt_limit),
            negative_prompt=negative,
            seed=model.seed(seed, scene.index),
            speakers=scene.speakers,
        )
        for scene in split_scenes(units, options.scene_seconds, options.max_images)
    )
    cap = image_cap(units, options.scene_seconds, options.max_images)
    if cap is not None:
        warnings.append(
            f"scenes lengthened to fit the image cap: {cap.speech_seconds:.0f} s of speech at "
            f"{options.scene_seconds:g} s per scene would make {cap.wanted} scenes, but at most {cap.allowed} images "
            f"are allowed (MAX_IMAGES_PER_FILE), so each scene covers about {cap.average_seconds:g} s"
        )
    return Plan(
        READY,
        scene_source=scene_source,
        language_code=language,
        scenes=scenes,
        warnings=tuple(warnings),
        scene_cap=cap,
        subtitle_track=track,
        subtitle_quality=subtitle_tracks.quality_report(track, transcribe_cues) if track else None,
        base_seed=seed,
    )
