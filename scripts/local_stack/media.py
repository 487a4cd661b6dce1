"""Audio facts the demo and the tests need without an audio library: the length of an MP3 or WAV file."""

from __future__ import annotations

import wave
from pathlib import Path

# MPEG audio frame header tables (ISO/IEC 11172-3, 13818-3), Layer III only: version bits -> values.
_MPEG1, _MPEG2, _MPEG25 = 3, 2, 0
_SAMPLE_RATES = {_MPEG1: (44100, 48000, 32000), _MPEG2: (22050, 24000, 16000), _MPEG25: (11025, 12000, 8000)}
_BITRATES_KBPS = {
    _MPEG1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    _MPEG2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_LAYER_III = 1


def _id3v2_length(data: bytes) -> int:
    if data[:3] != b"ID3" or len(data) < 10:
        return 0
    size = 0
    for byte in data[6:10]:  # "syncsafe" integer: 7 bits per byte
        size = (size << 7) | (byte & 0x7F)
    footer = 10 if data[5] & 0x10 else 0
    return 10 + size + footer


def mp3_duration_seconds(data: bytes) -> float:
    """Length of MPEG-1/2/2.5 Layer III audio by walking its frame headers (CBR and VBR alike)."""
    position = _id3v2_length(data)
    samples = 0
    sample_rate = 0
    while position + 4 <= len(data):
        header = int.from_bytes(data[position : position + 4], "big")
        version = (header >> 19) & 0b11
        layer = (header >> 17) & 0b11
        bitrate_index = (header >> 12) & 0b1111
        rate_index = (header >> 10) & 0b11
        is_frame = (
            header >> 21 == 0x7FF
            and version != 1
            and layer == _LAYER_III
            and bitrate_index not in (0, 15)
            and rate_index != 3
        )
        if not is_frame:
            if samples:
                break  # trailing tag (ID3v1, APE) or garbage after the last frame
            position += 1  # junk before the first frame
            continue
        sample_rate = _SAMPLE_RATES[version][rate_index]
        bitrate = _BITRATES_KBPS[_MPEG1 if version == _MPEG1 else _MPEG2][bitrate_index] * 1000
        padding = (header >> 9) & 1
        per_frame = 1152 if version == _MPEG1 else 576
        position += per_frame // 8 * bitrate // sample_rate + padding
        samples += per_frame
    if not samples:
        raise ValueError("no MPEG Layer III frames found")
    return samples / sample_rate


def duration_seconds(path: Path) -> float | None:
    """The audio length of an .mp3 or .wav file; None for other formats (the demo only needs these two)."""
    suffix = path.suffix.lower()
    if suffix == ".mp3":
        return mp3_duration_seconds(path.read_bytes())
    if suffix == ".wav":
        with wave.open(str(path)) as wav:
            return wav.getnframes() / wav.getframerate()
    return None
