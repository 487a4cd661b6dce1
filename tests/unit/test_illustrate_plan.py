"""Planning: which file the scenes come from, no speech, malformed input, and the preview script built on it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from preview_scenes import main as preview

from illustrate_scenes.image_models import model_for
from illustrate_scenes.plan import FAILED, NO_SPEECH, READY, PlanOptions, SourceFile, base_seed, build_plan
from illustrate_scenes.prompts import prompt_length
from illustrate_scenes.subtitles import parse_srt
from pipeline_core.models import CATALOGUE

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
JSON_FILE = FIXTURES / "handwritten_harbour_walk.json"
SRT_FILE = FIXTURES / "handwritten_harbour_walk.srt"
VTT_FILE = FIXTURES / "handwritten_harbour_walk.vtt"


def source(path: Path) -> SourceFile:
    return SourceFile(path.name, path.read_bytes())


def test_recut_words_are_preferred_then_srt_then_vtt() -> None:
    options = PlanOptions(scene_seconds=20)
    everything = build_plan("job", options, transcript=source(JSON_FILE), srt=source(SRT_FILE), vtt=source(VTT_FILE))
    assert (everything.status, everything.scene_source) == (READY, "recut")
    assert everything.language_code == json.loads(JSON_FILE.read_text())["results"]["language_code"]
    assert everything.subtitle_quality["cues"]["transcribe"] == len(parse_srt(SRT_FILE.read_text()))
    srt_only = build_plan("job", options, srt=source(SRT_FILE), vtt=source(VTT_FILE))
    assert srt_only.scene_source == "srt"
    assert srt_only.subtitle_track is None
    vtt_only = build_plan("job", options, vtt=source(VTT_FILE))
    assert vtt_only.scene_source == "vtt"
    json_only = build_plan("job", options, transcript=source(JSON_FILE))
    assert json_only.scene_source == "recut"
    assert json_only.subtitle_quality["cues"]["transcribe"] is None
    assert json_only.warnings  # speech without subtitle files is worth a log line


def test_scenes_end_where_recut_cues_end_and_at_sentence_ends() -> None:
    plan = build_plan("job", PlanOptions(scene_seconds=20), transcript=source(JSON_FILE))
    cue_ends = {c.end_ms for c in plan.subtitle_track.cues}
    assert len(plan.scenes) > 1
    for scene in plan.scenes:
        assert scene.end_ms in cue_ends
        assert scene.text.rstrip()[-1] in ".!?"


def test_a_broken_srt_falls_back_to_the_vtt_with_a_warning() -> None:
    broken = SourceFile("job.srt", "1\nnot a timing line\nHello\n")
    plan = build_plan("job", PlanOptions(), srt=broken, vtt=source(VTT_FILE))
    assert plan.scene_source == "vtt"
    assert any("job.srt" in warning for warning in plan.warnings)


def test_silent_audio_is_no_speech_without_scenes() -> None:
    plan = build_plan("job", PlanOptions(), transcript=source(FIXTURES / "handwritten_silent.json"))
    assert plan.status == NO_SPEECH
    assert plan.scenes == ()


def test_malformed_transcript_fails_with_the_field_even_when_subtitles_exist() -> None:
    document = json.loads(JSON_FILE.read_text())
    del document["results"]["items"][0]["start_time"]
    bad = SourceFile("transcripts/job.json", json.dumps(document))
    plan = build_plan("job", PlanOptions(), transcript=bad, srt=source(SRT_FILE))
    assert plan.status == FAILED
    assert "transcripts/job.json: results.items[0].start_time is missing" in plan.reason


def test_scenes_carry_prompts_within_limit_and_per_scene_seeds() -> None:
    model = model_for("stability.stable-image-ultra-v1:1")
    plan = build_plan(
        "job-1", PlanOptions(model=model, scene_seconds=5, max_images=4, style="ink"), srt=source(SRT_FILE)
    )
    assert len(plan.scenes) == 4  # 55 s at 5 s per scene would be 11: the cap wins
    assert plan.scene_cap is not None
    assert (plan.scene_cap.wanted, plan.scene_cap.allowed) == (11, 4)
    [warning] = [w for w in plan.warnings if "image cap" in w]
    assert "would make 11 scenes" in warning
    assert "MAX_IMAGES_PER_FILE" in warning
    roomy = build_plan("job-1", PlanOptions(model=model, scene_seconds=5, max_images=11), srt=source(SRT_FILE))
    assert (len(roomy.scenes), roomy.scene_cap, roomy.warnings) == (11, None, ())
    cues = parse_srt(SRT_FILE.read_text())
    assert " ".join(s.text for s in plan.scenes) == " ".join(c.text for c in cues)
    for scene in plan.scenes:
        assert plan.base_seed == base_seed("job-1")
        assert scene.seed == model.seed(plan.base_seed, scene.index)
        assert prompt_length(scene.prompt) <= model.prompt_limit
        assert scene.prompt.endswith("Style: ink.")
        assert scene.negative_prompt


def test_preview_json_matches_the_plan(capsys: pytest.CaptureFixture[str]) -> None:
    assert preview([str(JSON_FILE), "--json", "--scene-seconds", "20"]) == 0
    document = json.loads(capsys.readouterr().out)
    plan = build_plan(
        JSON_FILE.stem,
        PlanOptions(scene_seconds=20),
        transcript=source(JSON_FILE),
        srt=source(SRT_FILE),
        vtt=source(VTT_FILE),
    )
    assert document["scene_source"] == "recut"
    assert [(s["index"], s["text"], s["prompt"], s["seed"]) for s in document["scenes"]] == [
        (s.index, s.text, s.prompt, s.seed) for s in plan.scenes
    ]
    assert [s["start"] for s in document["scenes"]] == [s.start_ms / 1000 for s in plan.scenes]


def test_preview_text_for_a_vtt_file_with_another_model(capsys: pytest.CaptureFixture[str]) -> None:
    assert preview([str(VTT_FILE), "--model", "stability.stable-image-core-v1:1", "--max-images", "2"]) == 0
    out = capsys.readouterr().out
    assert "2 scene(s) from vtt" in out
    assert "prompts of at most 10000 characters" in out
    assert "00:00:00.520 --> " in out


def test_preview_without_siblings_uses_the_transcript(capsys: pytest.CaptureFixture[str]) -> None:
    assert preview([str(JSON_FILE), "--json", "--no-siblings"]) == 0
    assert json.loads(capsys.readouterr().out)["scene_source"] == "recut"


def test_preview_of_a_malformed_file_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert preview([str(bad)]) == 1
    assert "results" in capsys.readouterr().out


@pytest.mark.parametrize(
    "arguments",
    [["--model", "stability.stable-diffusion-xl-v1"], ["--max-images", "0"], ["--style", "x" * 5001]],
)
def test_preview_refuses_bad_options(arguments: list[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        preview([str(SRT_FILE), *arguments])
    assert caught.value.code == 2


@pytest.mark.parametrize("model", ["amazon.nova-canvas-v1:0", "amazon.titan-image-generator-v2:0"])
def test_preview_refuses_a_retired_model_with_the_plan_time_message(
    model: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        preview([str(SRT_FILE), "--model", model])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    message = CATALOGUE.refusal(model, "image")
    assert message is not None
    assert f"error: --model: {message}" in err
    assert "Traceback" not in err


def test_preview_shows_the_director_request_and_the_translated_fallback_for_korean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    korean = tmp_path / "talk.srt"
    korean.write_text(
        "1\n00:00:01,000 --> 00:00:04,000\n안녕하세요, 항구 산책에 오신 것을 환영합니다.\n", encoding="utf-8"
    )
    assert preview([str(korean), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["director"]["calls"] == 1
    assert document["director"]["model_id"] == "us.amazon.nova-lite-v1:0"
    sent = json.loads(document["director"]["requests"][0]["messages"][0]["content"][0]["text"])
    assert sent["scenes"][0]["text"] == "안녕하세요, 항구 산책에 오신 것을 환영합니다."
    # An SRT carries no language code, so the preview cannot know it is Korean: the fallback is the plain prompt.
    assert (document["fallback_source"], document["translate_from"]) == ("plain", None)
    assert preview([str(korean), "--no-director"]) == 0
    assert "prompt director: off" in capsys.readouterr().out


def test_preview_of_a_korean_transcript_names_translate_as_the_fallback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(JSON_FILE.read_text())
    document["results"]["language_code"] = "ko-KR"
    korean = tmp_path / "talk.json"
    korean.write_text(json.dumps(document), encoding="utf-8")
    assert preview([str(korean), "--show-requests"]) == 0
    out = capsys.readouterr().out
    assert "translated from ko into English by Amazon Translate" in out
    assert "Director request 1:" in out


def test_preview_refuses_other_file_types(tmp_path: Path) -> None:
    other = tmp_path / "audio.mp3"
    other.write_bytes(b"ID3")
    with pytest.raises(SystemExit):
        preview([str(other)])
