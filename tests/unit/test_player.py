"""The player page: cues parsed from WebVTT, which subtitle files a manifest offers, and the page rendered from them
(self-contained, escaped, within its size budget, working with old and new manifests)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from player import cues, page, sources

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
VTT = (FIXTURES / "handwritten_harbour_walk.vtt").read_text(encoding="utf-8")
PAGE_BUDGET = 150 * 1024  # bytes without images


def manifest(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "status": "complete",
        "reason": None,
        "job_name": "talks-walk.mp3-0123456789ab",
        "source_audio_bucket": "audio",
        "source_audio_key": "talks/walk.mp3",
        "transcript_bucket": "transcripts-bucket",
        "subtitle_keys": {"srt": "transcripts/job.srt", "vtt": "transcripts/job.vtt"},
        "language_code": "ko-KR",
        "scenes": [
            {
                "index": 1,
                "start": 0.5,
                "end": 10.0,
                "text": "one",
                "prompt": "p1",
                "status": "ok",
                "image_key": "job/scene-001.png",
            },
            {
                "index": 2,
                "start": 10.0,
                "end": 20.0,
                "text": "two",
                "prompt": "p2",
                "status": "filtered",
                "image_key": None,
                "reason": "filtered",
            },
            {
                "index": 3,
                "start": 20.0,
                "end": 31.0,
                "text": "three",
                "prompt": "p3",
                "status": "ok",
                "image_key": "job/scene-003.png",
            },
        ],
    }
    return base | extra


def data_of(html: str) -> dict[str, Any]:
    return json.loads(html.split('id="player-data">', 1)[1].split("</script>", 1)[0])


def test_vtt_cues_have_times_and_text_without_tags() -> None:
    parsed = cues.parse_vtt(VTT)
    assert len(parsed) == VTT.count("-->")
    assert parsed[0] == cues.Cue(0.52, 2.75, "Welcome back to the harbour walk.")
    assert parsed[1].text == "Today we start at the old lighthouse\non the northern cliff."
    tagged = cues.parse_vtt("WEBVTT\n\n01:02:03.250 --> 01:02:04.000\n<v Speaker 1>안녕하세요</v>\n")
    assert tagged == [cues.Cue(3723.25, 3724.0, "안녕하세요")]


def test_vtt_blocks_without_valid_timing_are_skipped() -> None:
    text = "WEBVTT\n\nNOTE a comment\n\nbad --> times\ntext\n\n00:00:05.000 --> 00:00:04.000\nbackwards\n"
    assert cues.parse_vtt(text) == []


def test_subtitle_tracks_come_first_original_before_translation() -> None:
    tracks = [
        {"language": "en", "kind": "translation", "vtt_key": "job/subtitles.en.vtt", "status": "ok"},
        {"language": "ja", "kind": "translation", "vtt_key": "job/subtitles.ja.vtt", "status": "failed"},
        {"language": "ko", "kind": "original", "vtt_key": "job/subtitles.ko.vtt", "status": "ok"},
    ]
    files = sources.track_files(manifest(subtitle_tracks=tracks), "images")
    assert [(f.bucket, f.key, f.label) for f in files] == [
        ("images", "job/subtitles.ko.vtt", "ko (original)"),
        ("images", "job/subtitles.en.vtt", "en (translation)"),
    ]


def test_without_subtitle_tracks_transcribes_vtt_is_the_track() -> None:
    [only] = sources.track_files(manifest(), "images")
    assert (only.bucket, only.key, only.label) == (
        "transcripts-bucket",
        "transcripts/job.vtt",
        "ko-KR (Amazon Transcribe)",
    )
    assert sources.track_files(manifest(subtitle_keys={"srt": None, "vtt": None}), "images") == []


def test_unreadable_track_is_left_out() -> None:
    read = {("transcripts-bucket", "transcripts/job.vtt"): None}
    assert sources.read_tracks(manifest(), "images", lambda b, k: read[(b, k)]) == []


def render(m: dict[str, Any], vtt: str = VTT, links: page.Links | None = None) -> str:
    tracks = sources.read_tracks(m, "images", lambda bucket, key: vtt.encode())
    return page.render_player(m, tracks, links or page.bucket_links(m))


def test_bucket_copy_uses_relative_names_and_says_where_the_audio_is() -> None:
    html = render(manifest())
    assert '<audio id="audio" controls preload="metadata" src="walk.mp3">' in html
    assert "cannot reach the audio in the audio bucket. Put walk.mp3 beside this file" in html
    assert 'href="manifest.json"' in html
    data = data_of(html)
    assert [s["image"] for s in data["scenes"]] == ["scene-001.png", None, "scene-003.png"]
    assert data["scenes"][1]["missing"] == "Filtered by the model's content filters"
    assert len(data["tracks"][0]["cues"]) == VTT.count("-->")
    assert re.search(r"<(script|link|img|audio)[^>]+(src|href)=\"(https?:)?//", html) is None  # nothing external


def test_look_is_shown_when_present_and_absent_otherwise() -> None:
    look = {
        "style": "watercolour",
        "palette": "blue",
        "setting": "harbour",
        "subjects": [{"name": "Mina", "description": "guide in a red coat"}],
    }
    html = render(manifest(look=look))
    assert "<summary>Look</summary>" in html
    assert "<dt>Mina</dt><dd>guide in a red coat</dd>" in html
    assert "<summary>Look</summary>" not in render(manifest())
    assert "<summary>Look</summary>" not in render(manifest(look=None))


def test_hostile_text_stays_text() -> None:
    evil = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"
    m = manifest(source_audio_key=f"talks/{evil}.mp3")
    m["scenes"][0]["prompt"] = evil
    html = render(m, vtt=f"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n{evil}\n")
    assert html.count("<script") == 2  # the data island and the player's own script
    assert "<img src=x" not in html
    assert "</script><script>alert" not in html
    assert data_of(html)["scenes"][0]["alt"] == f"Scene 1: {evil}"  # the text survives, as data
    assert data_of(html)["tracks"][0]["cues"][0][2] == "alert(1)"  # WebVTT markup is dropped, its text kept


def stamp(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.000"


@pytest.mark.parametrize("minutes", [10, 60])
def test_page_stays_within_its_budget(minutes: int) -> None:
    """A talk with a cue every 3 s, a scene every 30 s (at most 40) and two tracks. The page's own weight (markup,
    style, script, scenes) stays far under 150 KB; the inlined cues grow with the talk, and a 10-minute talk fits."""
    lines = ["WEBVTT", ""]
    for i in range(minutes * 20):
        lines += [f"{stamp(i * 3)} --> {stamp(i * 3 + 3)}", "이것은 자막 한 줄입니다, 조금 긴 문장으로 쓴 것", ""]
    scenes = [
        {
            "index": i + 1,
            "start": i * 30.0,
            "end": i * 30.0 + 30,
            "text": "t" * 200,
            "prompt": "p" * 300,
            "status": "ok",
            "image_key": f"job/scene-{i + 1:03d}.png",
        }
        for i in range(min(minutes * 2, 40))
    ]
    tracks = [
        {"language": lang, "kind": kind, "vtt_key": f"job/subtitles.{lang}.vtt", "status": "ok"}
        for lang, kind in (("ko", "original"), ("en", "translation"))
    ]
    html = render(manifest(scenes=scenes, subtitle_tracks=tracks), vtt="\n".join(lines))
    data = data_of(html)
    assert len(data["tracks"]) == 2
    assert len(data["tracks"][0]["cues"]) == minutes * 20
    size = len(html.encode("utf-8"))
    cue_bytes = sum(len(json.dumps(t["cues"], ensure_ascii=False).encode()) for t in data["tracks"])
    print(f"player page, {minutes} min talk: {size} bytes, {size - cue_bytes} without the inlined cues")
    assert size - cue_bytes <= PAGE_BUDGET / 3
    if minutes == 10:
        assert size <= PAGE_BUDGET


def test_status_page_for_uploads_without_a_player() -> None:
    html = page.render_status("talks/a.mp3", "rejected", "empty-file")
    assert "Status: rejected (empty-file)" in html
    assert "Nothing will be made of this upload" in html
    assert "Ask again later" in page.render_status("talks/a.mp3", "transcribing", None)
