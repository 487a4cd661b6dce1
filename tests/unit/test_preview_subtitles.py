"""scripts/preview_scenes.py --subtitles: only the re-cut subtitles on stdout; mistakes as one line, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from preview_scenes import main as preview

from illustrate_scenes.subtitles import parse_srt, parse_vtt
from illustrate_scenes.transcript import parse_transcript
from subtitle_writer.formats import to_srt
from subtitle_writer.profiles import load_profiles
from subtitle_writer.writer import recut

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
HARBOUR = FIXTURES / "handwritten_harbour_walk.json"
SCRIPT = ROOT / "scripts" / "preview_scenes.py"


def test_srt_on_stdout_is_exactly_the_recut(capsys: pytest.CaptureFixture[str]) -> None:
    assert preview([str(HARBOUR), "--subtitles", "srt"]) == 0
    out, err = capsys.readouterr()
    transcript = parse_transcript(HARBOUR.read_bytes())
    table = load_profiles()
    expected = to_srt(recut(transcript.words, table.select("en-GB"), table.break_rules("en-GB")))
    assert out == expected
    assert err == ""
    assert [c.number for c in parse_srt(out)] == [str(i) for i in range(1, len(parse_srt(out)) + 1)]


def test_vtt_and_the_language_override_choose_the_profile(capsys: pytest.CaptureFixture[str]) -> None:
    assert preview([str(HARBOUR), "--subtitles", "vtt"]) == 0
    latin = capsys.readouterr().out
    assert preview([str(HARBOUR), "--subtitles", "vtt", "--language", "ko-KR"]) == 0
    korean = capsys.readouterr().out
    assert latin.startswith("WEBVTT\n")
    assert len(parse_vtt(korean)) > len(parse_vtt(latin))  # 16-wide lines and 12 characters/s make more cues
    assert preview([str(HARBOUR), "--subtitles", "vtt", "--max-line-chars", "60", "--max-cps", "30"]) == 0
    assert len(parse_vtt(capsys.readouterr().out)) <= len(parse_vtt(latin))


def test_a_file_without_a_language_uses_the_default_or_the_given_one(capsys: pytest.CaptureFixture[str]) -> None:
    diarized = FIXTURES / "transcribe_output_2_docs_diarization.json"
    assert "language_code" not in json.loads(diarized.read_text())["results"]
    assert preview([str(diarized), "--subtitles", "srt"]) == 0
    assert parse_srt(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["tests/fixtures/handwritten_harbour_walk.srt", "--subtitles", "srt"], "not a .srt file"),
        ([str(HARBOUR), "--subtitles", "srt", "--language", "english"], "not a language code"),
        ([str(HARBOUR), "--subtitles", "srt", "--max-cps", "-1"], "expected a whole number of at least 0, got '-1'"),
    ],
)
def test_mistakes_are_one_line_on_stderr(
    arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:  # a usage mistake: exit status 2, returned or raised by the argument parser
        code = preview([str(ROOT / arguments[0]) if not arguments[0].startswith("/") else arguments[0], *arguments[1:]])
    except SystemExit as exit_:
        code = exit_.code
    assert code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert message in err


def test_a_malformed_transcript_exits_1_without_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "job.json"
    bad.write_text('{"results": {"items": [{"type": "pronunciation"}]}}')
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(bad), "--subtitles", "srt"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "results.items[0].alternatives" in result.stderr
