"""Subtitle writer: every rule of the reading profiles, the issue's hard cases, and a property test on random speech."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from illustrate_scenes.subtitles import parse_srt, parse_vtt
from illustrate_scenes.transcript import Word, parse_transcript
from subtitle_writer import quality
from subtitle_writer.formats import to_srt, to_vtt
from subtitle_writer.profiles import ProfileError, load_profiles
from subtitle_writer.writer import SubtitleCue, recut, spoken_lines

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DEMO = Path(__file__).resolve().parent.parent.parent / "demo" / "fixtures"
TABLE = load_profiles()
LATIN = TABLE.profiles["latin"]
KOREAN = TABLE.profiles["korean"]
EN = TABLE.break_rules("en-US")
KO = TABLE.break_rules("ko-KR")


def cue_words(cues: list[SubtitleCue], profile=LATIN) -> list[str]:
    """The words as they appear in the cues' text, in order (lines without speaker dashes, split on the joiner)."""
    found: list[str] = []
    for cue in cues:
        for line in spoken_lines(cue, profile):
            found.extend(line.split(profile.word_joiner) if profile.word_joiner else list(line))
    return found


def assert_contract(words: list[Word], cues: list[SubtitleCue], profile=LATIN) -> None:
    """Every word once and in order; cues in order, never overlapping, at least the gap apart."""
    assert cue_words(cues, profile) == [w.text for w in words]
    assert [c.first_word for c in cues] == [sum(x.word_count for x in cues[:i]) for i in range(len(cues))]
    for cue, following in itertools.pairwise(cues):
        assert cue.start_ms < cue.end_ms
        assert following.start_ms - cue.end_ms >= profile.min_gap_ms


def timed(text: str, start_s: float, step_s: float = 0.3, speaker: str | None = None) -> list[Word]:
    """One word every step_s seconds, each spoken for 80 % of the step."""
    words = []
    t = start_s
    for token in text.split():
        words.append(Word(token, round(t * 1000), round((t + step_s * 0.8) * 1000), speaker))
        t += step_s
    return words


# --- profiles --------------------------------------------------------------------------------------------------------


def test_profile_is_chosen_by_the_primary_language_subtag() -> None:
    assert TABLE.select("ko-KR").name == "korean"
    assert TABLE.select("ja-JP").name == "japanese"
    assert TABLE.select("zh-CN").name == "chinese"
    assert TABLE.select("en-GB").name == "latin"
    assert TABLE.select("de-DE").name == "latin"
    assert TABLE.select(None).name == "latin"


def test_named_profile_and_overrides_win_over_the_language() -> None:
    chosen = TABLE.select("en-US", "korean", max_line_chars=20, max_cps=10)
    assert (chosen.name, chosen.max_line_chars, chosen.max_cps) == ("korean", 20, 10)
    assert TABLE.select("ko-KR", max_cps=0).max_cps == 12  # 0 keeps the profile's value


def test_unknown_profile_and_negative_override_are_named() -> None:
    with pytest.raises(ProfileError, match="'klingon' is unknown"):
        TABLE.select("en-US", "klingon")
    with pytest.raises(ProfileError, match="subtitle_max_cps"):
        TABLE.select("en-US", max_cps=-1)


def test_korean_width_counts_latin_digits_spaces_and_punctuation_as_half() -> None:
    assert KOREAN.width("안녕하세요") == 5
    assert KOREAN.width("CD를 샀어요.") == 2 * 0.5 + 1 + 0.5 + 3 + 0.5
    assert LATIN.width("CD를 샀어요.") == 8


def test_every_profile_keeps_the_general_requirements() -> None:
    for profile in TABLE.profiles.values():
        assert (profile.min_duration_ms, profile.max_duration_ms, profile.min_gap_ms) == (833, 7000, 83)
        assert profile.max_lines == 2


# --- rules -----------------------------------------------------------------------------------------------------------


def test_sample_transcript_recut_keeps_every_rule_transcribe_breaks() -> None:
    transcript = parse_transcript((FIXTURES / "handwritten_harbour_walk.json").read_bytes())
    cues = recut(transcript.words, LATIN, EN)
    assert_contract(transcript.words, cues)
    theirs = parse_srt((FIXTURES / "handwritten_harbour_walk.srt").read_text(encoding="utf-8"))
    report = quality.report(
        cues, LATIN, [quality.TimedText(c.start_ms, c.end_ms, tuple(c.text.split("\n"))) for c in theirs]
    )
    assert sum(r["transcribe"] for r in report["rules"].values()) > 0
    assert all(r["recut"] == 0 for r in report["rules"].values())
    assert report["remaining"] == []


@pytest.mark.parametrize("name", ["transcribe_output_1_docs_basic.json", "transcribe_output_2_docs_diarization.json"])
def test_both_transcribe_layouts_recut_without_violations(name: str) -> None:
    transcript = parse_transcript((FIXTURES / name).read_bytes())
    cues = recut(transcript.words, LATIN, EN)
    assert_contract(transcript.words, cues)
    assert quality.explain(cues, LATIN) == []


def test_one_sentence_per_cue_where_it_fits() -> None:
    words = timed("I waited for an hour. Then the bus finally came round the corner.", 0.0)
    cues = recut(words, LATIN, EN)
    assert [c.text.replace("\n", " ") for c in cues] == [
        "I waited for an hour.",
        "Then the bus finally came round the corner.",
    ]


def test_line_breaks_after_punctuation_and_never_after_an_article() -> None:
    words = timed("On stormy nights, the ships followed its light into the bay.", 0.0)
    cues = recut(words, LATIN, EN)
    assert cues[0].lines == ("On stormy nights,", "the ships followed its light into the bay.")
    words = timed("We walked for a long time along the beautiful sandy shore of the quiet bay", 0.0)
    for cue in recut(words, LATIN, EN):
        for line in cue.lines[:-1]:
            assert line.split()[-1].lower() not in {"a", "an", "the"}


def test_a_sixty_character_word_stays_whole_and_is_counted() -> None:
    giant = "x" * 60
    words = [*timed("look at this", 0.0), Word(giant, 1000, 2500), *timed("and that.", 2.6)]
    cues = recut(words, LATIN, EN)
    assert_contract(words, cues)
    giant_cue = next(c for c in cues if giant in c.lines)
    assert giant_cue.lines == (giant,)
    found = quality.explain(cues, LATIN)
    assert [(v.rule, v.reason) for v in found if v.rule == "line_length"] == [
        ("line_length", "one word wider than a line")
    ]


def test_a_twelve_second_monologue_without_punctuation_is_split_within_the_maximum_duration() -> None:
    text = " ".join(["we keep on talking about the weather and the sea"] * 4)  # 40 words, 0.3 s each = 12 s
    words = timed(text, 0.0)
    cues = recut(words, LATIN, EN)
    assert_contract(words, cues)
    assert len(cues) >= 2
    assert all(c.end_ms - c.start_ms <= LATIN.max_duration_ms for c in cues)
    assert all(len(c.lines) <= 2 and all(len(line) <= 42 for line in c.lines) for c in cues)
    assert quality.explain(cues, LATIN) == []


def test_two_speakers_alternating_every_second_never_share_a_cue() -> None:
    words = []
    for second in range(10):
        speaker = f"spk_{second % 2}"
        words += timed(f"turn {second} here", second, step_s=0.3, speaker=speaker)
    cues = recut(words, LATIN, EN)
    assert_contract(words, cues)
    assert len(cues) == 10
    assert [c.speaker for c in cues] == [f"spk_{s % 2}" for s in range(10)]
    for cue in cues:
        assert {w.speaker for w in words[cue.first_word : cue.first_word + cue.word_count]} == {cue.speaker}


def test_two_short_turns_share_a_cue_with_a_dash_each() -> None:
    words = [
        Word("Coffee?", 1000, 1300, "spk_0"),
        Word("Yes,", 1500, 1700, "spk_1"),
        Word("please.", 1700, 2000, "spk_1"),
        *timed("Then we walked down to the harbour together.", 4.0, speaker="spk_0"),
    ]
    cues = recut(words, LATIN, EN)
    assert_contract(words, cues)
    assert cues[0].lines == ("-Coffee?", "-Yes, please.")
    assert cues[0].turns == (1, 2)
    assert cues[0].end_ms - cues[0].start_ms >= LATIN.min_duration_ms
    assert quality.explain(cues, LATIN) == []
    korean = recut([Word("커피?", 1000, 1300, "spk_0"), Word("네.", 1500, 1700, "spk_1")], KOREAN, KO)
    assert korean[0].lines == ("- 커피?", "- 네.")


def test_korean_with_latin_acronyms_breaks_between_eojeol_within_sixteen() -> None:
    text = "어제 KBS 뉴스에서 AI 기술과 DNA 분석에 대한 특집을 봤는데 정말 재미있었어요."
    words = timed(text, 0.0, step_s=0.45)
    cues = recut(words, KOREAN, KO)
    assert_contract(words, cues, KOREAN)
    for cue in cues:
        assert len(cue.lines) <= 2
        assert all(KOREAN.width(line) <= 16 for line in cue.lines)
    assert quality.explain(cues, KOREAN) == []
    # Half-width counting lets a line hold more than 16 code points when it has Latin letters.
    assert any(len(line) > 16 for cue in cues for line in cue.lines)


def test_korean_keeps_a_determiner_or_negation_with_the_next_eojeol() -> None:
    words = timed("나는 그 사람을 정말 좋아했지만 그는 안 왔어요 그래서 혼자 갔어요.", 0.0, step_s=0.5)
    cues = recut(words, KOREAN, KO)
    for cue in cues:
        for line in cue.lines[:-1] if len(cue.lines) > 1 else []:
            assert line.split()[-1] not in {"그", "안"}


def test_korean_sample_keeps_every_rule_and_modifiers_with_their_dependent_nouns() -> None:
    transcript = parse_transcript((FIXTURES / "handwritten_korean_market.json").read_bytes())
    profile = TABLE.select(transcript.language_code)
    cues = recut(transcript.words, profile, KO)
    assert profile.name == "korean"
    assert_contract(transcript.words, cues, profile)
    assert quality.explain(cues, profile) == []
    assert len({c.speaker for c in cues}) == 2
    for cue in cues:
        for line in cue.lines:
            assert line.split()[0] not in {"것처럼", "수"}  # never "본 / 것처럼" or "할 / 수 있습니다"


def test_no_speech_gives_no_cues_and_valid_empty_files() -> None:
    transcript = parse_transcript((FIXTURES / "handwritten_silent.json").read_bytes())
    assert recut(transcript.words, LATIN, EN) == []
    assert to_srt([]) == ""
    assert to_vtt([]).startswith("WEBVTT")
    assert parse_vtt(to_vtt([])) == []
    assert quality.report([], LATIN)["cues"] == {"transcribe": None, "recut": 0}


def test_a_short_cue_is_extended_into_silence_but_not_onto_the_next() -> None:
    words = [Word("Yes.", 1000, 1200), *timed("Then we went home.", 3.0)]
    cues = recut(words, LATIN, EN)
    assert cues[0].end_ms - cues[0].start_ms >= LATIN.min_duration_ms
    words = [Word("Yes.", 1000, 1200, "spk_0"), *timed("Then we went home.", 2.2, speaker="spk_1")]
    cues = recut(words, LATIN, EN)
    assert cues[0].end_ms > 1200  # extended into the pause ...
    assert cues[1].start_ms - cues[0].end_ms >= LATIN.min_gap_ms  # ... but stops the gap before the next


def test_speech_faster_than_the_reading_speed_is_split_and_counted_never_shortened() -> None:
    text = "incomprehensibilities notwithstanding, extraordinarily verbose individuals communicate"
    words = timed(text * 1, 0.0, step_s=0.1) + timed("Next.", 0.6)
    cues = recut(words, LATIN, EN)
    assert_contract(words, cues)
    fast = [v for v in quality.explain(cues, LATIN) if v.rule == "reading_speed"]
    assert fast
    assert all(v.reason == "speech faster than the reading speed" for v in fast)


def test_srt_and_vtt_number_from_one_and_parse_back() -> None:
    words = timed("Hello there. How are you?", 0.0, step_s=0.6)
    cues = recut(words, LATIN, EN)
    srt, vtt = to_srt(cues), to_vtt(cues)
    assert srt.startswith("1\n00:00:00,000 --> ")
    assert vtt.startswith("WEBVTT\n\n1\n00:00:00.000 --> ")
    assert [c.number for c in parse_srt(srt)] == [str(i) for i in range(1, len(cues) + 1)]
    assert [(c.start_ms, c.end_ms) for c in parse_vtt(vtt)] == [(c.start_ms, c.end_ms) for c in cues]


def test_transcribe_cues_are_measured_by_the_same_rules() -> None:
    theirs = [
        quality.TimedText(0, 10_000, ("x" * 50,)),
        quality.TimedText(10_010, 10_200, ("a", "b", "c")),
    ]
    rules = {v.rule for v in quality.check(theirs, LATIN)}
    assert rules == {"line_length", "duration_max", "gap", "line_count", "duration_min", "reading_speed"}


@pytest.mark.parametrize(
    "path",
    [
        FIXTURES / "handwritten_harbour_walk.json",
        FIXTURES / "handwritten_korean_market.json",
        DEMO / "sample-talk.json",
    ],
)
def test_samples_keep_the_contract(path: Path) -> None:
    transcript = parse_transcript(path.read_bytes())
    profile = TABLE.select(transcript.language_code)
    cues = recut(transcript.words, profile, TABLE.break_rules(transcript.language_code))
    assert_contract(transcript.words, cues, profile)


# --- property --------------------------------------------------------------------------------------------------------

_TOKEN = st.text(alphabet="abcXYZ가나다AI.,?!", min_size=1, max_size=70)


@st.composite
def transcripts(draw: st.DrawFn) -> list[Word]:
    count = draw(st.integers(0, 120))
    words = []
    t = draw(st.integers(0, 5000))
    for _ in range(count):
        t += draw(st.integers(0, 2500))
        length = draw(st.integers(0, 9000))
        speaker = draw(st.sampled_from([None, "spk_0", "spk_1"]))
        words.append(Word(draw(_TOKEN), t, t + length, speaker))
        t += length
    return words


@settings(max_examples=150, deadline=None)
@given(transcripts(), st.sampled_from(["latin", "korean", "japanese", "chinese"]))
def test_no_word_is_lost_reordered_or_duplicated_and_cues_never_overlap(words: list[Word], name: str) -> None:
    profile = TABLE.profiles[name]
    cues = recut(words, profile, KO if name == "korean" else EN)
    joined = ["".join(spoken_lines(c, profile)) for c in cues]
    assert "".join(joined).replace(" ", "") == "".join(w.text for w in words)
    assert sum(c.word_count for c in cues) == len(words)
    if profile.word_joiner:
        assert cue_words(cues, profile) == [w.text for w in words]
    for cue, following in itertools.pairwise(cues):
        assert cue.end_ms > cue.start_ms
        assert following.start_ms >= cue.end_ms + profile.min_gap_ms
