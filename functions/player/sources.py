"""Which subtitle files a manifest points at, read through a caller's reader, as tracks for the player.

The subtitle tracks of the image bucket (manifest `subtitle_tracks`, status "ok", `vtt_key`) come first; without them
(older manifests) Amazon Transcribe's own WebVTT (manifest `subtitle_keys["vtt"]`, in the transcript bucket) is the one
track. A file that cannot be read is left out: the page still plays, with the tracks that could be read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from player.cues import Cue, parse_vtt

Reader = Callable[[str, str], bytes | None]  # (bucket, key) -> bytes, or None when missing or unreadable


@dataclass(frozen=True)
class Track:
    language: str
    label: str
    kind: str  # "original" | "translation" | "transcribe"
    cues: tuple[Cue, ...]
    source: str  # "bucket/key" it was read from


@dataclass(frozen=True)
class TrackFile:
    bucket: str
    key: str
    language: str
    label: str
    kind: str


def track_files(manifest: Mapping[str, Any], image_bucket: str) -> list[TrackFile]:
    """The subtitle files to inline, in the order the page offers them (the original language first)."""
    found: list[TrackFile] = []
    tracks = manifest.get("subtitle_tracks")
    for track in tracks if isinstance(tracks, list) else []:
        if not isinstance(track, dict) or track.get("status") != "ok" or not isinstance(track.get("vtt_key"), str):
            continue
        language = str(track.get("language") or "und")
        kind = "translation" if track.get("kind") == "translation" else "original"
        found.append(TrackFile(image_bucket, track["vtt_key"], language, f"{language} ({kind})", kind))
    found.sort(key=lambda item: item.kind != "original")
    if found:
        return found
    keys = manifest.get("subtitle_keys")
    vtt = keys.get("vtt") if isinstance(keys, dict) else None
    bucket = manifest.get("transcript_bucket")
    if isinstance(vtt, str) and isinstance(bucket, str):
        language = str(manifest.get("language_code") or "und")
        found.append(TrackFile(bucket, vtt, language, f"{language} (Amazon Transcribe)", "transcribe"))
    return found


def read_tracks(manifest: Mapping[str, Any], image_bucket: str, read: Reader) -> list[Track]:
    tracks: list[Track] = []
    for item in track_files(manifest, image_bucket):
        data = read(item.bucket, item.key)
        if data is None:
            continue
        cues = parse_vtt(data.decode("utf-8", errors="replace"))
        tracks.append(Track(item.language, item.label, item.kind, tuple(cues), f"{item.bucket}/{item.key}"))
    return tracks
