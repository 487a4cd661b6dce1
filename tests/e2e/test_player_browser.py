"""The player in a real browser (Debian's Chromium, headless): seek the audio into scene N, and scene N's image is the
one shown and the subtitle cue of that moment is on screen. Once for the bucket copy opened from a downloaded folder
(relative names, the audio beside it), once for the `?format=html` copy the local stack's API answers (presigned URLs).
"""

from __future__ import annotations

import io
import json
import struct
import time
import urllib.parse
import wave
from pathlib import Path
from typing import Any

import pytest
from browser_support import chromium, screenshot, seek
from e2e_support import SAMPLE, WAIT_SECONDS, http, timeline_of
from local_stack.stack import LocalStack
from PIL import Image

from pipeline_core import naming
from player import cues, page, sources

pytestmark = pytest.mark.e2e

COLOURS = [(200, 40, 40), (40, 160, 60), (40, 70, 200)]
VTT = """WEBVTT

1
00:00:00.500 --> 00:00:04.000
첫 번째 장면의 자막입니다.

2
00:00:11.000 --> 00:00:15.500
Second scene: the lighthouse on the cliff.

3
00:00:21.000 --> 00:00:27.000
Third scene, by the harbour wall.
"""


def silent_wav(seconds: float, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(struct.pack("<h", 0) * int(seconds * rate))
    return buffer.getvalue()


def png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 180), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def folder_manifest() -> dict[str, Any]:
    return {
        "status": "complete",
        "reason": None,
        "job_name": "talks-walk.wav-0123456789ab",
        "source_audio_key": "talks/walk.wav",
        "transcript_bucket": "transcripts",
        "subtitle_keys": {"vtt": "transcripts/job.vtt"},
        "language_code": "ko-KR",
        "look": {
            "style": "watercolour",
            "palette": "sea blues",
            "subjects": [{"name": "Mina", "description": "guide"}],
        },
        "scenes": [
            {
                "index": i + 1,
                "start": i * 10.0,
                "end": i * 10.0 + 10,
                "text": f"scene {i + 1}",
                "prompt": f"p{i + 1}",
                "status": "ok",
                "image_key": f"job/scene-{i + 1:03d}.png",
            }
            for i in range(3)
        ],
    }


def shown(driver: Any) -> dict[str, Any]:
    from selenium.webdriver.common.by import By

    image = driver.find_element(By.ID, "scene-image")
    cue = driver.find_element(By.ID, "cue")
    return {
        "src": image.get_attribute("src"),
        "scene": image.get_attribute("data-scene"),
        "image_visible": image.is_displayed(),
        "cue": cue.text,
        "cue_visible": cue.is_displayed(),
        "current": driver.find_element(By.CSS_SELECTOR, "#scenes button[aria-current=true]").text,
    }


def test_bucket_copy_from_a_folder_follows_the_audio(tmp_path: Path) -> None:
    m = folder_manifest()
    (tmp_path / "walk.wav").write_bytes(silent_wav(30))
    for i, colour in enumerate(COLOURS, start=1):
        (tmp_path / f"scene-{i:03d}.png").write_bytes(png(colour))
    tracks = sources.read_tracks(m, "images", lambda bucket, key: VTT.encode())
    html = page.render_player(m, tracks, page.bucket_links(m))
    (tmp_path / "index.html").write_text(html, encoding="utf-8")
    (tmp_path / "manifest.json").write_text(json.dumps(m), encoding="utf-8")

    with chromium() as driver:
        driver.get((tmp_path / "index.html").as_uri())
        for target, scene, cue in ((12.5, 2, "Second scene: the lighthouse on the cliff."), (24.0, 3, "Third scene")):
            reported = seek(driver, target)
            assert reported == pytest.approx(target, abs=0.3), reported
            now = shown(driver)
            assert now["src"].endswith(f"/scene-{scene:03d}.png"), now
            assert now["scene"] == str(scene)
            assert now["image_visible"]
            assert now["cue"].startswith(cue)
            assert now["cue_visible"]
            assert now["current"].startswith(f"Scene {scene}")
        screenshot(driver, "bucket-copy-scene-3", tmp_path)
        # Between cues the subtitle line is empty; the scene stays.
        seek(driver, 18.0)
        now = shown(driver)
        assert (now["scene"], now["cue"]) == ("2", "")
        # Keyboard: the scene list's buttons seek.
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        first = driver.find_element(By.CSS_SELECTOR, "#scenes li:first-child button")
        first.send_keys(Keys.ENTER)
        time.sleep(0.3)
        now = shown(driver)
        assert (now["scene"], now["cue"]) == ("1", "")  # scene 1 starts at 0 s, its first cue at 0.5 s
        assert driver.execute_script("return document.getElementById('audio').currentTime") == 0
        seek(driver, 2.0)
        assert shown(driver)["cue"] == "첫 번째 장면의 자막입니다."
        assert driver.find_element(By.ID, "audio-note").is_displayed() is False


def test_bucket_copy_without_the_audio_says_where_it_is(tmp_path: Path) -> None:
    m = folder_manifest()
    (tmp_path / "index.html").write_text(page.render_player(m, [], page.bucket_links(m)), encoding="utf-8")
    with chromium(width=390, height=844, phone=True) as driver:
        driver.get((tmp_path / "index.html").as_uri())
        from selenium.webdriver.common.by import By

        note = driver.find_element(By.ID, "audio-note")
        deadline = time.monotonic() + 10
        while not note.is_displayed() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert note.is_displayed()
        assert "Put walk.wav beside this file" in note.text
        assert driver.execute_script("return window.innerWidth") == 390
        assert driver.execute_script("return document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        screenshot(driver, "bucket-copy-phone-no-audio", tmp_path)


def test_format_html_from_the_local_stack_follows_the_audio(stack: LocalStack, tmp_path: Path) -> None:
    key = "talks/browser-talk.mp3"
    headers = {"x-api-key": stack.api_key}
    assert http("PUT", f"{stack.stage_url}/{key}", SAMPLE.read_bytes(), headers).status == 200
    deadline = time.monotonic() + WAIT_SECONDS
    while (document := http("GET", f"{stack.stage_url}/{key}", None, headers).json())["status"] != "complete":
        assert isinstance(document, dict)
        assert document["status"] not in ("failed", "rejected"), document
        if time.monotonic() > deadline:
            pytest.fail(f"{key} not complete\n{timeline_of(stack)}")
        time.sleep(0.1)
    response = http("GET", f"{stack.stage_url}/{urllib.parse.quote(key)}?format=html", None, headers)
    assert response.status == 200
    (tmp_path / "talk.html").write_bytes(response.body)  # as `curl ... > talk.html`

    job = document["job_name"]
    manifest = json.loads(stack.s3.get_object(Bucket=stack.buckets.image, Key=naming.manifest_key(job))["Body"].read())
    vtt = stack.s3.get_object(Bucket=stack.buckets.transcript, Key=naming.subtitle_key(job, "vtt"))["Body"].read()
    timed = cues.parse_vtt(vtt.decode("utf-8"))
    scenes = [s for s in manifest["scenes"] if s["status"] == "ok"]
    assert len(scenes) >= 2
    # A moment inside the last illustrated scene (not the first, so the image must change) that a cue covers.
    scene = scenes[-1]
    cue = next(c for c in timed if scene["start"] <= c.start < scene["end"])
    moment = round(min(cue.end, scene["end"]) - 0.4, 2) if cue.end - cue.start > 0.8 else cue.start + 0.05

    with chromium() as driver:
        driver.get((tmp_path / "talk.html").as_uri())
        reported = seek(driver, moment)
        assert reported == pytest.approx(moment, abs=0.3), reported
        now = shown(driver)
        assert f"/{scene['image_key']}?" in now["src"], now  # the presigned URL of that scene's image
        assert now["scene"] == str(scene["index"])
        assert now["image_visible"]
        natural = driver.execute_script("return document.getElementById('scene-image').naturalWidth")
        assert natural > 0  # the presigned URL really loaded
        expected = "\n".join(c.text for c in timed if c.start <= moment < c.end)
        assert now["cue"] == expected
        assert now["cue_visible"]
        screenshot(driver, "format-html-local-stack", tmp_path)
