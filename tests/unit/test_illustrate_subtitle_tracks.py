"""The image function's subtitle step: options from the environment, files and manifest fields, one failure recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from illustrate_scenes.plan import PlanOptions, SourceFile, build_plan
from illustrate_scenes.subtitle_output import write_subtitles
from illustrate_scenes.subtitle_tracks import SubtitleOptions, load_subtitle_options
from pipeline_core.config import ConfigError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TRANSCRIPT = SourceFile("transcripts/job.json", (FIXTURES / "handwritten_harbour_walk.json").read_bytes())


def test_options_default_to_the_language_profile() -> None:
    assert load_subtitle_options({}) == SubtitleOptions()


def test_options_are_read_and_checked_by_name() -> None:
    options = load_subtitle_options(
        {"SUBTITLE_PROFILE": "korean", "SUBTITLE_MAX_LINE_CHARS": "18", "SUBTITLE_MAX_CPS": "14"}
    )
    assert (options.profile, options.max_line_chars, options.max_cps) == ("korean", 18, 14)
    with pytest.raises(ConfigError, match="SUBTITLE_PROFILE must be auto or one of chinese, japanese, korean, latin"):
        load_subtitle_options({"SUBTITLE_PROFILE": "klingon"})
    with pytest.raises(ConfigError, match="SUBTITLE_MAX_CPS must be at least 0"):
        load_subtitle_options({"SUBTITLE_MAX_CPS": "-2"})


def test_overrides_reach_the_recut() -> None:
    narrow = build_plan("job", PlanOptions(subtitles=SubtitleOptions(max_line_chars=20)), transcript=TRANSCRIPT)
    wide = build_plan("job", PlanOptions(), transcript=TRANSCRIPT)
    assert narrow.subtitle_track.profile.max_line_chars == 20
    assert all(len(line) <= 20 for cue in narrow.subtitle_track.cues for line in cue.lines)
    assert len(narrow.subtitle_track.cues) > len(wide.subtitle_track.cues)


def test_tracks_are_written_and_listed() -> None:
    written: dict[str, tuple[bytes, str]] = {}
    plan = build_plan("job", PlanOptions(), transcript=TRANSCRIPT)
    fields = write_subtitles("job", plan, lambda key, body, kind: written.__setitem__(key, (body, kind)))
    assert sorted(written) == ["job/subtitles.en-GB.srt", "job/subtitles.en-GB.vtt"]
    assert written["job/subtitles.en-GB.vtt"][0].decode("utf-8").startswith("WEBVTT\n\n1\n")
    assert fields["subtitle_tracks"][0]["status"] == "ok"
    assert fields["subtitle_quality"] == plan.subtitle_quality


def test_a_track_that_cannot_be_written_is_recorded_not_raised() -> None:
    def denied(key: str, body: bytes, kind: str) -> None:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "denied"}}, "PutObject")

    plan = build_plan("job", PlanOptions(), transcript=TRANSCRIPT)
    [track] = write_subtitles("job", plan, denied)["subtitle_tracks"]
    assert (track["status"], track["srt_key"], track["vtt_key"]) == ("failed", None, None)
    assert "AccessDenied" in track["reason"]


def test_no_speech_has_no_tracks() -> None:
    silent = SourceFile("transcripts/job.json", (FIXTURES / "handwritten_silent.json").read_bytes())
    plan = build_plan("job", PlanOptions(), transcript=silent)
    assert write_subtitles("job", plan, lambda *file: None) == {"subtitle_tracks": [], "subtitle_quality": None}
