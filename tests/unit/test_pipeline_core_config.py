"""Environment helpers: every error names the variable, so a wrong Terraform input is found from the log line."""

from __future__ import annotations

import pytest

from pipeline_core.config import ConfigError, env_int, env_list, env_str


def test_required_string_missing_or_blank_names_the_variable() -> None:
    for environ in ({}, {"TRANSCRIPT_BUCKET": ""}, {"TRANSCRIPT_BUCKET": "   "}):
        with pytest.raises(ConfigError, match="TRANSCRIPT_BUCKET"):
            env_str("TRANSCRIPT_BUCKET", environ=environ)


def test_string_is_stripped_and_blank_falls_back_to_the_default() -> None:
    assert env_str("NAME", environ={"NAME": "  value "}) == "value"
    assert env_str("NAME", "fallback", environ={"NAME": " "}) == "fallback"
    assert env_str("NAME", "", environ={}) == ""


def test_process_environment_is_the_default_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPELINE_TEST_VALUE", "from-env")
    assert env_str("PIPELINE_TEST_VALUE") == "from-env"


def test_int_reads_whole_numbers_within_bounds() -> None:
    assert env_int("N", 4, minimum=1, maximum=10, environ={}) == 4
    assert env_int("N", 4, minimum=1, maximum=10, environ={"N": " 10 "}) == 10
    assert env_int("N", 4, minimum=1, maximum=10, environ={"N": "1"}) == 1


@pytest.mark.parametrize(
    ("raw", "problem"), [("ten", "whole number"), ("2.5", "whole number"), ("0", "at least 1"), ("11", "at most 10")]
)
def test_int_errors_name_the_variable_and_the_rule(raw: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=f"SCENE_SECONDS.*{problem}"):
        env_int("SCENE_SECONDS", 4, minimum=1, maximum=10, environ={"SCENE_SECONDS": raw})


def test_list_splits_on_commas_and_drops_blanks() -> None:
    assert env_list("L", environ={"L": " en-US, de-DE ,,fr-FR, "}) == ["en-US", "de-DE", "fr-FR"]
    assert env_list("L", environ={"L": ""}) == []
    assert env_list("L", environ={}) == []
