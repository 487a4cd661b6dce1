"""Scene splitting: full coverage, target length, the image cap, and cuts only between units."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest

from illustrate_scenes.scenes import (
    SceneCap,
    Unit,
    boundary_kind,
    format_time,
    image_cap,
    scene_count,
    split_scenes,
    units_from_cues,
    units_from_words,
)
from illustrate_scenes.subtitles import parse_srt
from illustrate_scenes.transcript import parse_transcript

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def assert_covers(scenes, units: list[Unit]) -> None:
    """Every unit exactly once, in order, scenes numbered 1..n, time ranges in order and not overlapping."""
    assert [s.index for s in scenes] == list(range(1, len(scenes) + 1))
    assert " ".join(s.text for s in scenes) == " ".join(u.text for u in units)
    assert scenes[0].start_ms == units[0].start_ms
    assert scenes[-1].end_ms == max(u.end_ms for u in units)
    for previous, current in itertools.pairwise(scenes):
        assert previous.end_ms <= current.start_ms


def words(count: int, seconds_each: float = 0.4, sentence_every: int = 12) -> list[Unit]:
    """Synthetic speech: `count` words, a sentence end every `sentence_every` words."""
    units = []
    for i in range(count):
        text = f"w{i}" + ("." if (i + 1) % sentence_every == 0 else "")
        start = round(i * seconds_each * 1000)
        units.append(Unit(start, start + round(seconds_each * 800), text))
    return units


@pytest.mark.parametrize(
    ("duration_s", "target_s", "cap", "units", "expected"),
    [
        (55, 20, 10, 100, round(55 / 20)),  # 2.75 -> 3
        (45, 30, 10, 100, 2),  # 1.5 rounds up
        (44, 30, 10, 100, 1),
        (10, 30, 10, 100, 1),  # shorter than one scene: still one
        (14_400, 30, 10, 100_000, 10),  # 4 hours at the default cap
        (600, 30, 50, 3, 3),  # never more scenes than units
    ],
)
def test_scene_count(duration_s: float, target_s: float, cap: int, units: int, expected: int) -> None:
    assert scene_count(round(duration_s * 1000), target_s, cap, units) == expected


def test_scenes_follow_the_target_length() -> None:
    units = words(1500, seconds_each=0.4)  # 10 minutes
    duration_s = (units[-1].end_ms - units[0].start_ms) / 1000
    scenes = split_scenes(units, 60, 100)
    assert_covers(scenes, units)
    assert len(scenes) == round(duration_s / 60)
    for scene in scenes:
        assert 0.5 * 60_000 <= scene.end_ms - scene.start_ms <= 1.5 * 60_000


def test_cap_makes_scenes_longer_and_drops_nothing() -> None:
    units = words(36_000, seconds_each=0.4)  # 4 hours of speech
    scenes = split_scenes(units, 30, 10)
    assert len(scenes) == 10
    assert_covers(scenes, units)
    duration = units[-1].end_ms - units[0].start_ms
    for scene in scenes:
        assert scene.end_ms - scene.start_ms > 30_000  # far longer than the target: the cap won
        assert abs((scene.end_ms - scene.start_ms) - duration / 10) < 0.25 * duration / 10


def test_image_cap_reports_when_the_cap_and_not_the_target_set_the_scene_count() -> None:
    units = words(3000, seconds_each=0.4)  # 20 minutes: 40 scenes of 30 s
    duration_s = (units[-1].end_ms - units[0].start_ms) / 1000
    cap = image_cap(units, 30, 10)
    assert cap == SceneCap(
        wanted=len(split_scenes(units, 30, 1000)),
        allowed=10,
        speech_seconds=round(duration_s, 3),
        average_seconds=round(duration_s / 10, 1),
    )
    assert cap.wanted == round(duration_s / 30)
    assert image_cap(units, 30, cap.wanted) is None  # exactly at the cap: the target length decided
    assert image_cap(units[:10], 30, 1) is None  # 4 s of speech make one scene anyway
    assert image_cap([], 30, 1) is None


def test_cuts_prefer_sentence_ends() -> None:
    units = words(300, seconds_each=0.5, sentence_every=13)
    scenes = split_scenes(units, 30, 10)
    assert len(scenes) > 1
    for scene in scenes[:-1]:
        assert scene.text.endswith(".")


def test_clause_pause_or_speaker_change_beats_a_plain_word_boundary() -> None:
    # No sentence ends at all; one comma-free speaker change lies near the middle.
    units = [Unit(i * 500, i * 500 + 400, f"w{i}", "spk_0" if i < 33 else "spk_1") for i in range(60)]
    scenes = split_scenes(units, 15, 10)
    assert len(scenes) == 2
    assert scenes[0].text.split()[-1] == "w32"
    assert scenes[0].speakers == ("spk_0",)
    assert scenes[1].speakers == ("spk_1",)


def test_boundary_kinds() -> None:
    after = Unit(2000, 2500, "next")
    assert boundary_kind(Unit(0, 1000, "end.”"), after) == "sentence"
    assert boundary_kind(Unit(0, 1000, "終わり。"), after) == "sentence"
    assert boundary_kind(Unit(0, 1000, "and so,"), after) == "clause"
    assert boundary_kind(Unit(0, 400, "pause"), after) == "clause"  # 1.6 s of silence follows
    assert boundary_kind(Unit(0, 1900, "word"), after) == "word"
    assert boundary_kind(Unit(0, 1900, "last"), None) == "sentence"


def test_word_units_are_never_cut_inside_a_word() -> None:
    transcript = parse_transcript((FIXTURES / "handwritten_harbour_walk.json").read_bytes())
    units = units_from_words(transcript.words)
    scenes = split_scenes(units, 10, 10)
    assert len(scenes) > 2
    assert_covers(scenes, units)
    scene_words = [word for scene in scenes for word in scene.text.split(" ")]
    assert scene_words == [w.text for w in transcript.words]


def test_cue_units_cut_at_cue_boundaries_preferring_sentences() -> None:
    cues = parse_srt((FIXTURES / "handwritten_harbour_walk.srt").read_text(encoding="utf-8"))
    units = units_from_cues(cues)
    scenes = split_scenes(units, 20, 10)
    assert_covers(scenes, units)
    cue_starts = {c.start_ms for c in cues}
    for scene in scenes:
        assert scene.start_ms in cue_starts
    # The fixture's last cue continues the sentence of the one before ("Thanks" / "for listening!").
    assert not any(scene.text.endswith("Thanks") for scene in scenes)


def test_one_unit_and_no_units() -> None:
    assert split_scenes([], 30, 10) == []
    assert split_scenes([Unit(0, 1000, "   ")], 30, 10) == []
    only = split_scenes([Unit(100, 900, "Hi.")], 30, 10)
    assert [(s.index, s.start_ms, s.end_ms, s.text) for s in only] == [(1, 100, 900, "Hi.")]


def test_long_silence_with_no_boundary_near_the_ideal_time() -> None:
    units = [Unit(0, 1000, "Hello."), Unit(1100, 2000, "there."), Unit(600_000, 601_000, "Later.")]
    scenes = split_scenes(units, 60, 100)
    assert len(scenes) == 3  # ten minutes, but only three units
    assert_covers(scenes, units)


def test_random_transcripts_keep_every_invariant() -> None:
    rng = random.Random(20240501)
    for _ in range(200):
        count = rng.randint(1, 400)
        time = 0
        units = []
        for i in range(count):
            time += rng.choice([0, 50, 200, 2000, 8000])
            length = rng.randint(100, 6000)
            text = f"u{i}" + rng.choice(["", "", ",", ".", "?"])
            units.append(Unit(time, time + length, text, rng.choice([None, "spk_0", "spk_1"])))
            time += length
        target = rng.choice([1, 5, 30, 120])
        cap = rng.randint(1, 40)
        scenes = split_scenes(units, target, cap)
        duration = units[-1].end_ms - units[0].start_ms
        assert len(scenes) == scene_count(duration, target, cap, count)
        assert_covers(scenes, units)


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="scene_seconds"):
        split_scenes(words(5), 0, 10)


def test_format_time() -> None:
    assert format_time(0) == "00:00:00.000"
    assert format_time(((1 * 60 + 2) * 60 + 3) * 1000 + 45) == "01:02:03.045"
    assert format_time(4 * 3600 * 1000) == "04:00:00.000"
