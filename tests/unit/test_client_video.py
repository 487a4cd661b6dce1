"""scripts/client.py video: the images follow the scenes over the whole audio, the subtitles ride along as a soft
track, and Korean burn-in without a Korean font is refused with the package to install."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import wave
from pathlib import Path

import pytest
from PIL import Image
from pipeline_client import video

COLOURS = [(220, 30, 30), (30, 200, 30), (30, 30, 220)]


def folder(tmp_path: Path, language: str = "en-US") -> Path:
    out = tmp_path / "talk"
    out.mkdir()
    with wave.open(str(out / "talk.wav"), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(struct.pack("<h", 0) * 8000 * 12)  # 12 s
    scenes = []
    for i, colour in enumerate(COLOURS):
        Image.new("RGB", (160, 90), colour).save(out / f"scene-{i + 1:03d}.png")
        scenes.append({"index": i + 1, "start": 0.5 + i * 4, "end": 4.5 + i * 4, "status": "ok",
                       "image_key": f"job/scene-{i + 1:03d}.png"})  # fmt: skip
    manifest = {"source_audio_key": "talks/talk.wav", "language_code": language, "scenes": scenes}
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (out / "transcript.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nhello\n", encoding="utf-8")
    return out


def frame_colour(ffmpeg: str, movie: Path, at: float) -> tuple[int, int, int]:
    png = subprocess.run(
        [ffmpeg, "-loglevel", "error", "-ss", str(at), "-i", str(movie), "-frames:v", "1", "-f", "image2pipe",
         "-vcodec", "png", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return image.getpixel((image.width // 2, image.height // 2))


def test_images_follow_the_scenes_for_the_whole_audio_with_a_soft_subtitle_track(tmp_path: Path) -> None:
    pytest.importorskip("imageio_ffmpeg", reason="imageio-ffmpeg (requirements-dev.txt) is not installed")
    source = folder(tmp_path)
    movie = video.make_video(source, tmp_path / "talk.mp4", say=lambda line: None)
    ffmpeg = video.ffmpeg_exe()
    assert video.audio_seconds(ffmpeg, movie) == pytest.approx(12.0, abs=0.1)  # the audio's length, not -shortest
    probe = subprocess.run([ffmpeg, "-hide_banner", "-i", str(movie)], capture_output=True, text=True, check=False)
    assert "Subtitle: mov_text" in probe.stderr
    for at, expected in ((2.0, COLOURS[0]), (6.5, COLOURS[1]), (11.5, COLOURS[2])):
        colour = frame_colour(ffmpeg, movie, at)
        assert all(abs(a - b) < 40 for a, b in zip(colour, expected, strict=True)), (at, colour, expected)


def test_korean_burn_in_without_a_korean_font_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(video, "has_font_for", lambda language: False)
    with pytest.raises(video.VideoError, match="fonts-noto-cjk"):
        video.make_video(folder(tmp_path, "ko-KR"), tmp_path / "talk.mp4", burn_in=True, say=lambda line: None)


def test_a_folder_without_the_audio_says_how_to_get_it(tmp_path: Path) -> None:
    source = folder(tmp_path)
    (source / "talk.wav").unlink()
    with pytest.raises(video.VideoError, match="fetch puts it there"):
        video.make_video(source, tmp_path / "talk.mp4", say=lambda line: None)
