"""The first bytes of each audio format the pipeline accepts, for tests that need a file of a given size that passes
the client's signature check (scripts/cli_common/audio.py) without being real audio throughout."""

from __future__ import annotations

from pathlib import Path

HEADERS = {
    "mp3": b"ID3\x04\x00\x00\x00\x00\x00\x00",  # an empty ID3v2 tag: the usual start of an MP3 file
    "wav": b"RIFF\x24\x00\x00\x00WAVEfmt ",
    "flac": b"fLaC\x00\x00\x00\x22",
    "ogg": b"OggS\x00\x02",
    "mp4": b"\x00\x00\x00\x18ftypisom",
    "m4a": b"\x00\x00\x00\x18ftypM4A ",
    "amr": b"#!AMR\n",
    "webm": b"\x1a\x45\xdf\xa3",
}


def write_audio(path: Path, size: int) -> Path:
    """A sparse file of `size` bytes that starts with the signature of its extension (any case); a large file costs
    nothing on disk. Names without an accepted extension get no signature."""
    header = HEADERS.get(path.suffix.lstrip(".").lower(), b"")[:size]
    with path.open("wb") as handle:
        handle.write(header)
        handle.truncate(size)
    return path
