"""Structured log lines: one JSON object per line with the fields that trace an upload."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest

from pipeline_core import log


@pytest.fixture
def fresh_logger(monkeypatch: pytest.MonkeyPatch) -> Iterator[logging.Logger]:
    """The pipeline logger configured from scratch (it is configured once per process otherwise)."""
    logger = logging.getLogger("pipeline")
    saved = logger.handlers[:], logger.level, logger.propagate
    logger.handlers.clear()
    yield logger
    logger.handlers[:], logger.level, logger.propagate = saved


def test_one_json_line_with_fields_at_top_level(
    fresh_logger: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    log.warning(
        "upload rejected", bucket="audio", key="talks/Vortrag 🎤.txt", job_name="j-1", reason="unsupported-format"
    )
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0]) == {
        "level": "WARNING",
        "message": "upload rejected",
        "bucket": "audio",
        "key": "talks/Vortrag 🎤.txt",
        "job_name": "j-1",
        "reason": "unsupported-format",
    }
    assert "🎤" in lines[0]  # readable in CloudWatch, not \\u-escaped


def test_exceptions_are_part_of_the_json_line(fresh_logger: logging.Logger, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.error("record failed", exc_info=True, key="k")
    (line,) = capsys.readouterr().out.splitlines()
    parsed = json.loads(line)
    assert parsed["key"] == "k"
    assert "RuntimeError: boom" in parsed["exception"]


def test_log_level_is_honoured(
    fresh_logger: logging.Logger, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "warning")
    log.info("hidden")
    log.warning("shown")
    assert [json.loads(line)["message"] for line in capsys.readouterr().out.splitlines()] == ["shown"]


def test_unknown_log_level_does_not_break_logging(
    fresh_logger: logging.Logger, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "verbose")
    log.info("still logged")
    assert json.loads(capsys.readouterr().out)["message"] == "still logged"


def test_lines_follow_a_replaced_stdout(fresh_logger: logging.Logger, monkeypatch: pytest.MonkeyPatch) -> None:
    # pytest's capsys swaps sys.stdout per test; a logger set up in one test must still write in the next.
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", first)
    log.info("first")
    first.close()
    monkeypatch.setattr(sys, "stdout", second)
    log.info("second")
    assert json.loads(second.getvalue())["message"] == "second"
