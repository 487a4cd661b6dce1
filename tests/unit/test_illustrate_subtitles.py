"""SRT and WebVTT parsing as Transcribe writes them (aws-facts.md 1.2, 1.5), plus what players tolerate."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from illustrate_scenes.subtitles import SubtitleError, parse_srt, parse_vtt

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SRT = (FIXTURES / "handwritten_harbour_walk.srt").read_text(encoding="utf-8")
VTT = (FIXTURES / "handwritten_harbour_walk.vtt").read_text(encoding="utf-8")


def raw_blocks(text: str) -> list[list[str]]:
    return [block.splitlines() for block in text.strip().split("\n\n")]


def ms(stamp: str) -> int:
    hours, minutes, seconds, millis = re.split(r"[:,.]", stamp)
    return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)


def test_srt_numbered_from_one_with_millisecond_times() -> None:
    cues = parse_srt(SRT)
    blocks = raw_blocks(SRT)
    assert [c.number for c in cues] == [b[0] for b in blocks]
    assert cues[0].number == "1"
    starts = [ms(b[1].split(" --> ")[0]) for b in blocks]
    ends = [ms(b[1].split(" --> ")[1]) for b in blocks]
    assert [c.start_ms for c in cues] == starts
    assert [c.end_ms for c in cues] == ends


def test_vtt_numbered_from_zero_gives_the_same_cues_as_srt() -> None:
    srt_cues, vtt_cues = parse_srt(SRT), parse_vtt(VTT)
    assert vtt_cues[0].number == "0"
    assert [(c.start_ms, c.end_ms, c.text) for c in vtt_cues] == [(c.start_ms, c.end_ms, c.text) for c in srt_cues]


def test_multi_line_cue_is_joined_with_spaces() -> None:
    cue = parse_srt("1\n00:00:03,100 --> 00:00:07,180\nToday we start at the old lighthouse\non the northern cliff.\n")[
        0
    ]
    assert cue.text == "Today we start at the old lighthouse on the northern cliff."


def test_speaker_turns_lose_their_dashes_and_keep_their_own_lines() -> None:
    text = "4\n00:00:12,760 --> 00:00:16,630\n-- The lamp could be seen\nout at sea.\n-- Yes.\n"
    cue = parse_srt(text)[0]
    assert cue.text.split("\n") == ["The lamp could be seen out at sea.", "Yes."]


def test_very_short_single_word_cue() -> None:
    cue = parse_vtt("WEBVTT\n\n0\n00:00:00.019 --> 00:00:00.029\nUh,\n")[0]
    assert (cue.start_ms, cue.end_ms, cue.text) == (19, 29, "Uh,")


def test_crlf_byte_order_mark_and_missing_trailing_newline() -> None:
    text = "\ufeff0\r\n00:00:01,000 --> 00:00:02,500\r\nHello there.\r\n\r\n1\r\n00:00:03,000 --> 00:00:04,000\r\nBye."
    cues = parse_srt(text)
    assert [(c.number, c.start_ms, c.end_ms, c.text) for c in cues] == [
        ("0", 1000, 2500, "Hello there."),
        ("1", 3000, 4000, "Bye."),
    ]


def test_webvtt_extras_players_accept() -> None:
    text = (
        "WEBVTT - produced elsewhere\nKind: captions\nLanguage: en\n\n"
        "NOTE a comment\nspanning two lines\n\n"
        "STYLE\n::cue { color: yellow }\n\n"
        "01:02.500 --> 01:04.000 align:start position:10%\n"
        "<v Speaker 1>Fish &amp; chips</v> <i>again</i>\n\n"
        "intro\n00:01:05.000 --> 00:01:06.000\nNext.\n"
    )
    cues = parse_vtt(text)
    assert [(c.number, c.start_ms, c.end_ms, c.text) for c in cues] == [
        (None, 62_500, 64_000, "Fish & chips again"),
        ("intro", 65_000, 66_000, "Next."),
    ]


def test_cues_with_blank_text_are_dropped() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\n<i> </i>\n\n2\n00:00:03,000 --> 00:00:04,000\nWords.\n"
    assert [c.text for c in parse_srt(text)] == ["Words."]


def test_hours_beyond_two_digits_and_short_fractions() -> None:
    cue = parse_srt("1\n3:59:59,5 --> 04:00:00,000\nLast words.\n")[0]
    assert cue.start_ms == ((3 * 60 + 59) * 60 + 59) * 1000 + 500
    assert cue.end_ms == 4 * 3600 * 1000


def test_empty_files_have_no_cues() -> None:
    assert parse_srt("") == []
    assert parse_vtt("WEBVTT\n") == []


@pytest.mark.parametrize(
    ("parse", "text", "line"),
    [
        (parse_srt, "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:0x,000 --> 00:00:04,000\nbad\n", 6),
        (parse_srt, "1\n00:00:05,000 --> 00:00:04,000\nbackwards\n", 2),
        (parse_srt, "1\n00:00:61,000 --> 00:01:04,000\nsixty-one seconds\n", 2),
        (parse_srt, "1\njust text\nmore text\n", 1),
        (parse_vtt, "0\n00:00:01.000 --> 00:00:02.000\nno header\n", 1),
    ],
)
def test_malformed_subtitles_say_where(parse, text: str, line: int) -> None:
    with pytest.raises(SubtitleError) as caught:
        parse(text, "transcripts/job.sub")
    assert caught.value.line == line
    assert str(caught.value).startswith(f"transcripts/job.sub, line {line}: ")
