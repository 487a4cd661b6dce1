"""Manifest status rules, and the manifest as the player page (index.html) shows it: scene cap, no scenes, the look,
escaping. The player's own behaviour is tested in test_player.py and, in a browser, test_player_browser.py."""

from __future__ import annotations

import json
from dataclasses import replace
from html.parser import HTMLParser

import pytest

from illustrate_scenes.gallery import RunInfo, build_manifest, manifest_bytes
from illustrate_scenes.generation import Attempt, SceneResult
from illustrate_scenes.plan import FAILED, NO_SPEECH, READY, Plan, PlannedScene
from illustrate_scenes.scenes import SceneCap
from player import page

RUN = RunInfo(
    job="talk-abc123",
    transcript_bucket="transcripts-bucket",
    transcript_key="transcripts/talk-abc123.json",
    transcript_etag="0123abcd",
    source_audio_bucket="audio-bucket",
    source_audio_key="talks/talk.mp3",
    subtitle_keys={"srt": "transcripts/talk-abc123.srt", "vtt": None},
    model_id="stability.stable-image-core-v1:1",
    image_size="aspect ratio 16:9 (about 1344x768)",
    prompt_model_id=None,
    style="",
    scene_seconds=30,
    max_images=10,
    started_at="2025-01-01T00:00:00+00:00",
    finished_at="2025-01-01T00:00:09+00:00",
)


def player_page(manifest: dict) -> str:
    """The bucket copy of the player (index.html) for this manifest, without subtitle tracks."""
    return page.render_player(manifest, [], page.bucket_links(manifest))


def planned(index: int, text: str = "Text.") -> PlannedScene:
    return PlannedScene(
        index, (index - 1) * 30_000 + 250, index * 30_000, text, f"Illustration of: {text}", "text", 40 + index
    )


def result(index: int, status: str = "ok", transient: bool = False, text: str = "Text.") -> SceneResult:
    scene = planned(index, text)
    key = f"talk-abc123/scene-{index:03d}.png" if status == "ok" else None
    reason = None if status == "ok" else f"{status} because"
    return SceneResult(scene, status, reason, transient, scene.prompt, "plain", None, key, 1.0)


def plan(count: int) -> Plan:
    return Plan(READY, scene_source="srt", language_code="en-US", scenes=tuple(planned(i) for i in range(1, count + 1)))


@pytest.mark.parametrize(
    ("statuses", "transient", "expected", "retryable"),
    [
        (["ok", "ok"], False, "complete", False),
        (["ok", "filtered"], False, "partial", False),
        (["ok", "failed"], True, "partial", True),  # missing scenes may succeed: retried for those scenes only
        (["ok", "failed"], False, "partial", False),  # a final failure: nothing to retry
        (["failed", "failed"], True, "failed", True),  # every failure transient: Lambda retries
        (["failed", "filtered"], True, "failed", False),  # a filtered scene will not change on retry
    ],
)
def test_manifest_status(statuses: list[str], transient: bool, expected: str, retryable: bool) -> None:
    results = [result(i, status, transient=transient and status == "failed") for i, status in enumerate(statuses, 1)]
    manifest = build_manifest(RUN, plan(len(results)), results)
    assert (manifest["status"], manifest["retryable"]) == (expected, retryable)
    assert manifest["counts"]["ok"] == statuses.count("ok")


def test_failed_manifest_names_the_first_failure_and_where_a_retried_event_ends_up() -> None:
    final = build_manifest(RUN, plan(2), [result(1, "filtered"), result(2, "failed")])
    assert final["reason"] == "no scene was illustrated (1 filtered, 1 failed); first failure: failed because"
    retried = build_manifest(RUN, plan(2), [result(1, "failed", True), result(2, "failed", True)])
    assert retried["retryable"] is True
    assert "first failure: failed because" in retried["reason"]
    assert "dead-letter queue" in retried["reason"]


def test_scene_cap_is_in_the_manifest_and_on_the_page() -> None:
    capped = Plan(READY, scenes=(planned(1), planned(2)), scene_cap=SceneCap(12, 2, 118.5, 59.2))
    manifest = build_manifest(RUN, capped, [result(1), result(2)])
    assert manifest["scene_cap"] == {
        "wanted_scenes": 12,
        "max_images": 2,
        "speech_seconds": 118.5,
        "average_scene_seconds": 59.2,
    }
    assert "Scenes lengthened to about 59.2 s each" in player_page(manifest)
    uncapped = build_manifest(RUN, plan(2), [result(1), result(2)])
    assert uncapped["scene_cap"] is None
    assert "lengthened" not in player_page(uncapped)


def test_manifest_fields() -> None:
    manifest = build_manifest(RUN, plan(2), [result(1), result(2, "filtered")])
    assert manifest["source_audio_key"] == "talks/talk.mp3"
    assert manifest["transcript_key"] == "transcripts/talk-abc123.json"
    assert manifest["transcript_etag"] == "0123abcd"
    assert manifest["language_code"] == "en-US"
    assert manifest["model_id"] == "stability.stable-image-core-v1:1"
    # Fields of the prompt director; without a director run they are present and empty.
    assert (manifest["look"], manifest["prompt_model_id"], manifest["bedrock_region"]) == (None, None, None)
    assert manifest["base_seed"] is None
    first, second = manifest["scenes"]
    assert first == {
        "index": 1,
        "start": 0.25,
        "end": 30.0,
        "text": "Text.",
        "prompt": "Illustration of: Text.",
        "prompt_source": "plain",
        "seed": 41,
        "image_key": "talk-abc123/scene-001.png",
        "status": "ok",
        "reason": None,
        "prompt_note": None,
    }
    assert "attempts" not in first
    assert (second["status"], second["image_key"], second["reason"]) == ("filtered", None, "filtered because")
    assert json.loads(manifest_bytes(manifest)) == manifest


@pytest.mark.parametrize(
    ("status", "reason"), [(NO_SPEECH, "the transcript contains no speech"), (FAILED, "bad field")]
)
def test_manifest_without_scenes(status: str, reason: str) -> None:
    manifest = build_manifest(RUN, Plan(status, reason=reason))
    assert (manifest["status"], manifest["reason"], manifest["retryable"], manifest["scenes"]) == (
        status,
        reason,
        False,
        [],
    )
    assert "No scenes" in player_page(manifest)


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.texts: list[str] = []
        self.tags: list[str] = []
        self.html_lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "img":
            self.images.append(dict(attrs))
        if tag == "html":
            self.html_lang = dict(attrs).get("lang")

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def test_gallery_escapes_everything_it_shows() -> None:
    evil = '<script>alert("x")</script> & "quotes" \'single\''
    evil_run = RunInfo(**{**RUN.__dict__, "source_audio_key": "<b>talk</b>.mp3"})
    evil_plan = Plan(READY, language_code='en" onload="x', scenes=(planned(1, evil),))
    shown = player_page(build_manifest(evil_run, evil_plan, [result(1, text=evil)]))
    parser = Collector()
    parser.feed(shown)
    assert parser.tags.count("script") == 2  # the player's data island and its own script, nothing injected
    assert "b" not in parser.tags
    assert parser.html_lang == 'en" onload="x'  # one attribute value, not two attributes
    assert "<b>talk</b>.mp3" in "".join(parser.texts)
    assert '<script>alert("x")</script>' not in shown


LOOK = {
    "style": "ink & <watercolour>",
    "palette": "sea blue",
    "setting": "a harbour",
    "subjects": [{"name": "guide", "description": "yellow raincoat"}],
}


def test_director_fields_in_the_manifest_and_the_look_once_at_the_top_of_the_page() -> None:
    run = replace(RUN, prompt_model_id="us.amazon.nova-lite-v1:0", bedrock_region="us-west-2", look=LOOK)
    directed = Plan(READY, scene_source="srt", language_code="ko-KR", scenes=(planned(1), planned(2)), base_seed=77)
    attempts = (
        Attempt("harsh", "director", "filtered", "blocked by content filters"),
        Attempt("softer", "director-retry", "ok", None),
    )
    retried = SceneResult(
        planned(2), "ok", None, False, "softer", "director-retry", "the first prompt was blocked", "k", 1.0, attempts
    )
    first = SceneResult(planned(1), "ok", None, False, "p", "director", None, "k1", 1.0)
    manifest = build_manifest(run, directed, [first, retried])
    assert manifest["look"] == LOOK
    assert (manifest["prompt_model_id"], manifest["bedrock_region"], manifest["base_seed"]) == (
        "us.amazon.nova-lite-v1:0",
        "us-west-2",
        77,
    )
    assert [s["prompt_source"] for s in manifest["scenes"]] == ["director", "director-retry"]
    assert manifest["scenes"][1]["prompt_note"] == "the first prompt was blocked"
    assert [a["status"] for a in manifest["scenes"][1]["attempts"]] == ["filtered", "ok"]
    shown = player_page(manifest)
    assert shown.count('class="look"') == 1
    assert "ink &amp; &lt;watercolour&gt;" in shown
    assert "<dt>guide</dt><dd>yellow raincoat</dd>" in shown
    assert 'class="look"' not in player_page(build_manifest(RUN, plan(1), [result(1)]))
