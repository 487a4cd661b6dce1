"""An MP4 of a fetched folder: each scene's image for its part of the audio, the audio, and the subtitles as a soft
track (mov_text) or burned in. ffmpeg comes from the `imageio-ffmpeg` wheel (BSD wrapper, a static ffmpeg inside),
installed with pip on first use; nothing else in the client needs it.

Timing: image N is shown from scene N's start until scene N+1's start (the first from 0 s, the last until the audio
ends), so the pictures change where the talk does. The video lasts exactly as long as the audio (its length read by
ffmpeg), not as long as the shorter stream (`-shortest` would cut the last scene short). Burned-in subtitles: `fps`
comes before `subtitles=` in the filter chain, so the subtitles are drawn on every output frame; Korean needs a
Korean font (Debian: fonts-noto-cjk), else the command refuses instead of drawing empty boxes.
"""

from __future__ import annotations

import json
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

IMAGEIO_FFMPEG = "imageio-ffmpeg==0.8.1"
FPS = 25
_DURATION = re.compile(r"Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)")
# Languages written in scripts that common Latin fonts lack: burning them in needs a font that has them.
_CJK = ("ko", "ja", "zh")


class VideoError(Exception):
    """The video cannot be made; the message says what is missing and how to get it."""


def ffmpeg_exe(say: Any = print) -> str:
    try:
        import imageio_ffmpeg
    except ImportError:
        say(f"video needs ffmpeg: installing {IMAGEIO_FFMPEG} with pip (once; a static ffmpeg in a wheel, ~30 MB)")
        done = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", IMAGEIO_FFMPEG],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise VideoError(f"could not install {IMAGEIO_FFMPEG}: {done.stderr.strip()[-400:]}") from None
        import imageio_ffmpeg
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def audio_seconds(ffmpeg: str, audio: Path) -> float:
    done = subprocess.run([ffmpeg, "-hide_banner", "-i", str(audio)], capture_output=True, text=True, check=False)
    match = _DURATION.search(done.stderr)
    if match is None:
        raise VideoError(f"ffmpeg could not read the length of {audio}")
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


@dataclass(frozen=True)
class Slide:
    image: Path
    seconds: float


def slides(manifest: dict[str, Any], folder: Path, length: float) -> list[Slide]:
    """Each illustrated scene's image until the next illustrated scene starts; the first from 0, the last to the end."""
    shown = [
        (float(s["start"]), folder / posixpath.basename(s["image_key"]))
        for s in sorted(manifest.get("scenes") or [], key=lambda s: float(s.get("start", 0)))
        if s.get("status") == "ok" and s.get("image_key") and (folder / posixpath.basename(s["image_key"])).is_file()
    ]
    if not shown:
        raise VideoError(f"{folder} holds no scene image: fetch the results first (scripts/client.py fetch)")
    out = []
    for i, (_, image) in enumerate(shown):
        start = 0.0 if i == 0 else shown[i][0]
        end = shown[i + 1][0] if i + 1 < len(shown) else length
        out.append(Slide(image, max(end - start, 1 / FPS)))
    return out


def subtitle_file(folder: Path, language: str | None) -> tuple[Path | None, str | None]:
    """(file, language): subtitles.<language>.vtt when asked for, else the original track, else Transcribe's."""
    if language:
        path = folder / f"subtitles.{language}.vtt"
        if not path.is_file():
            found = (
                sorted(p.name for p in folder.glob("subtitles.*.vtt"))
                + ["transcript.vtt"] * (folder / "transcript.vtt").is_file()
            )
            raise VideoError(f"no {path.name} in {folder}; there is: {', '.join(found) or 'no subtitle file'}")
        return path, language
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for track in manifest.get("subtitle_tracks") or []:
        path = folder / f"subtitles.{track.get('language')}.vtt"
        if track.get("kind") == "original" and path.is_file():
            return path, str(track.get("language"))
    path = folder / "transcript.vtt"
    return (path, manifest.get("language_code")) if path.is_file() else (None, None)


def has_font_for(language: str) -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    done = subprocess.run([fc_list, f":lang={language}"], capture_output=True, text=True, check=False)
    return bool(done.stdout.strip())


def make_video(
    folder: Path, out: Path, *, burn_in: bool = False, language: str | None = None, say: Any = print
) -> Path:
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise VideoError(
            f"{manifest_path} is missing: fetch the results first (scripts/client.py fetch KEY --out {folder})"
        )
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    audio = folder / posixpath.basename(str(manifest.get("source_audio_key") or ""))
    if not audio.is_file():
        raise VideoError(
            f"the audio {audio.name or '(unnamed)'} is not in {folder}: scripts/client.py fetch puts it there"
        )
    subtitles, sub_language = subtitle_file(folder, language)
    base_language = (sub_language or "").split("-")[0].lower()
    if burn_in and subtitles is None:
        raise VideoError(f"--burn-in: {folder} holds no subtitle file")
    if burn_in and base_language in _CJK and not has_font_for(base_language):
        raise VideoError(
            f"--burn-in of {sub_language} subtitles needs a font with its script; install one (Debian: "
            "apt-get install fonts-noto-cjk) or leave out --burn-in for a soft subtitle track"
        )
    ffmpeg = ffmpeg_exe(say)
    length = audio_seconds(ffmpeg, audio)
    with tempfile.TemporaryDirectory(prefix="talk-video-") as work:
        listing = Path(work) / "slides.txt"
        lines = []
        for slide in slides(manifest, folder, length):
            lines += [f"file '{slide.image.resolve().as_posix()}'", f"duration {slide.seconds:.3f}"]
        lines.append(lines[-2])  # the concat demuxer takes the last file's duration only when it is listed again
        listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
        command = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing)]
        command += ["-i", str(audio)]
        scale = "scale=trunc(iw/2)*2:trunc(ih/2)*2"  # H.264 needs even sizes
        if burn_in and subtitles is not None:
            shutil.copyfile(subtitles, Path(work) / "subtitles.vtt")  # a plain name: the filter parses ':' and '\\'
            command += ["-vf", f"fps={FPS},{scale},subtitles=subtitles.vtt", "-map", "0:v", "-map", "1:a"]
        elif subtitles is not None:
            command += ["-i", str(subtitles), "-vf", f"fps={FPS},{scale}", "-map", "0:v", "-map", "1:a", "-map", "2:s"]
            command += ["-c:s", "mov_text"] + (["-metadata:s:s:0", f"language={sub_language}"] if sub_language else [])
        else:
            command += ["-vf", f"fps={FPS},{scale}", "-map", "0:v", "-map", "1:a"]
        command += ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-t", f"{length:.3f}", str(out.resolve())]
        done = subprocess.run(command, capture_output=True, text=True, cwd=work, check=False)
        if done.returncode != 0:
            raise VideoError(f"ffmpeg failed: {done.stderr.strip()[-600:]}")
    return out
