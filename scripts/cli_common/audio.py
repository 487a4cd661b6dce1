"""Is the file what its extension says? The first bytes against the extension, before anything is uploaded.

Amazon Transcribe is told the format by the extension (MediaFormat); a PDF renamed talk.mp3, or a WAV file named .mp3,
is stored, billed as a job and then fails. The signatures are the transcription function's own
(start_transcription.media_duration.sniff); raw MPEG audio has none, so an .mp3 without an ID3 tag must show MPEG
frame headers that the next frames confirm (the same reader that measures its length).
"""

from __future__ import annotations

from pathlib import Path

from start_transcription import media_duration

# Transcribe's MediaFormat -> the container its bytes must be (mp4 and m4a are the same ISO base media file).
CONTAINER = {"mp3": "mp3", "mp4": "mp4", "m4a": "mp4", "wav": "wav", "flac": "flac", "ogg": "ogg", "amr": "amr",
             "webm": "webm"}  # fmt: skip
_EXTENSION_OF = {"mp3": ".mp3", "mp4": ".mp4 or .m4a", "wav": ".wav", "flac": ".flac", "ogg": ".ogg",
                 "amr": ".amr", "webm": ".webm"}  # fmt: skip
_OTHER_SIGNATURES = (  # common files that are not audio, named so the message can say what the file is
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"{", "JSON text"),
    (b"<", "HTML or XML text"),
)


def mismatch(path: Path, media_format: str) -> str | None:
    """None when the bytes are the container `media_format` stands for; else what they are instead, and the fix."""
    size = path.stat().st_size
    with path.open("rb") as file:

        def read(start: int, length: int) -> bytes:
            file.seek(start)
            return file.read(length)

        head = read(0, media_duration.CHUNK)
        found = media_duration.sniff(head)
        expected = CONTAINER[media_format]
        if found == expected:
            return None
        if found is None and expected == "mp3":
            measured = media_duration.measure(size, read, "mp3")
            if measured.container == "mp3" and measured.seconds is not None:
                return None
    if found is not None:
        return (
            f"the file is {found.upper()} audio but named .{path.suffix.lstrip('.')}; rename it to "
            f"{_EXTENSION_OF[found]} (Amazon Transcribe is told the format by the extension)"
        )
    what = next((name for magic, name in _OTHER_SIGNATURES if head.lstrip()[: len(magic)] == magic), None)
    return (
        f"the file is not {media_format.upper()} audio ({what or 'its first bytes match no audio format'}); "
        "give a recording in one of Amazon Transcribe's formats"
    )
