"""The re-cut subtitles of one transcript: options from the environment, the original track, its quality report,
the scene units cut along its cues, and the files and manifest fields the image function writes.

Pure except `write_tracks`, which takes the S3 `put` as a function. Transcribe's own .srt/.vtt stay where they are;
the re-cut files go to <job>/subtitles.<lang>.srt|vtt next to the images.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from illustrate_scenes.scenes import Unit
from illustrate_scenes.subtitles import Cue
from illustrate_scenes.transcript import Transcript
from pipeline_core import naming
from pipeline_core.config import ConfigError, env_int, env_list, env_str
from subtitle_writer import quality
from subtitle_writer.formats import FORMATTERS
from subtitle_writer.profiles import AUTO, Profile, ProfileError, load_profiles
from subtitle_writer.writer import SubtitleCue, TimedWord, recut, spoken_lines

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
SUBTITLE_CONTENT_TYPES = {"srt": "application/x-subrip; charset=utf-8", "vtt": "text/vtt; charset=utf-8"}
MAX_LINE_CHARS_LIMIT = 200
MAX_CPS_LIMIT = 100


@dataclass(frozen=True)
class SubtitleOptions:
    profile: str = AUTO  # a profiles.json name, or auto (by the transcript's language)
    max_line_chars: int = 0  # 0: the profile's
    max_cps: int = 0  # 0: the profile's
    languages: tuple[str, ...] = ()  # translated tracks (Amazon Translate target codes)
    terminology_names: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Track:
    language: str  # BCP 47 code, "und" when unknown
    kind: str  # "original" | "translation"
    profile: Profile
    cues: tuple[SubtitleCue, ...]
    words: tuple[TimedWord, ...] = ()  # the original's words: the translations start from their sentences


def load_subtitle_options(environ: Mapping[str, str] | None = None) -> SubtitleOptions:
    """SUBTITLE_PROFILE, SUBTITLE_MAX_LINE_CHARS, SUBTITLE_MAX_CPS; ConfigError naming the variable."""
    profile = env_str("SUBTITLE_PROFILE", AUTO, environ=environ)
    table = load_profiles()
    if profile != AUTO and profile not in table.profiles:
        raise ConfigError(
            f"environment variable SUBTITLE_PROFILE must be auto or one of {', '.join(sorted(table.profiles))}, "
            f"got {profile!r}"
        )
    languages = tuple(dict.fromkeys(env_list("SUBTITLE_LANGUAGES", environ=environ)))
    for code in languages:
        if not LANGUAGE_CODE.match(code):
            raise ConfigError(
                f"environment variable SUBTITLE_LANGUAGES: {code!r} is not an Amazon Translate language code like "
                "en, ja or zh-TW"
            )
    terminology = tuple(env_list("TRANSLATE_TERMINOLOGY_NAMES", environ=environ))
    if len(terminology) > 1:
        raise ConfigError(
            "environment variable TRANSLATE_TERMINOLOGY_NAMES: TranslateText applies one custom terminology per request"
        )
    return SubtitleOptions(
        profile=profile,
        max_line_chars=env_int("SUBTITLE_MAX_LINE_CHARS", 0, minimum=0, maximum=MAX_LINE_CHARS_LIMIT, environ=environ),
        max_cps=env_int("SUBTITLE_MAX_CPS", 0, minimum=0, maximum=MAX_CPS_LIMIT, environ=environ),
        languages=languages,
        terminology_names=terminology,
    )


def original_track(transcript: Transcript, options: SubtitleOptions, language: str | None = None) -> Track:
    """The transcript's words re-cut under the profile for `language` (default: the transcript's own)."""
    code = language or transcript.language_code
    table = load_profiles()
    try:
        profile = table.select(code, options.profile, options.max_line_chars, options.max_cps)
    except ProfileError as exc:  # settings are validated at start-up; this guards direct callers
        raise ValueError(str(exc)) from None
    cues = recut(transcript.words, profile, table.break_rules(code))
    return Track(code or "und", "original", profile, tuple(cues), tuple(transcript.words))


def cue_text(cue: SubtitleCue, profile: Profile) -> str:
    """The cue's text on one line: what a scene's prompt reads."""
    return (profile.word_joiner or "").join(spoken_lines(cue, profile))


def scene_units(track: Track) -> list[Unit]:
    return [Unit(c.start_ms, c.end_ms, cue_text(c, track.profile), c.speaker) for c in track.cues]


def timed_texts(cues: Sequence[Cue]) -> list[quality.TimedText]:
    """Transcribe's parsed cues as the quality check measures them (one line per speaker turn)."""
    return [quality.TimedText(c.start_ms, c.end_ms, tuple(c.text.split("\n"))) for c in cues]


def quality_report(track: Track, transcribe_cues: Sequence[Cue] | None) -> dict[str, Any]:
    report = quality.report(
        track.cues, track.profile, timed_texts(transcribe_cues) if transcribe_cues is not None else None
    )
    return {"language": track.language, **report}


def render(track: Track) -> dict[str, str]:
    """{"srt": text, "vtt": text} for one track."""
    return {fmt: formatter(track.cues) for fmt, formatter in FORMATTERS.items()}


def track_entry(job: str, language: str, kind: str, status: str = "ok", reason: str | None = None) -> dict[str, Any]:
    """One manifest `subtitle_tracks` item."""
    return {
        "language": language,
        "kind": kind,
        "srt_key": naming.recut_subtitle_key(job, language, "srt") if status == "ok" else None,
        "vtt_key": naming.recut_subtitle_key(job, language, "vtt") if status == "ok" else None,
        "status": status,
        "reason": reason,
    }


def write_tracks(job: str, tracks: Sequence[Track], put: Callable[[str, bytes, str], None]) -> list[dict[str, Any]]:
    """Writes each track's .srt and .vtt (UTF-8) and returns the manifest's `subtitle_tracks` items."""
    entries = []
    for track in tracks:
        for fmt, text in render(track).items():
            put(naming.recut_subtitle_key(job, track.language, fmt), text.encode("utf-8"), SUBTITLE_CONTENT_TYPES[fmt])
        entries.append(track_entry(job, track.language, track.kind))
    return entries
