"""Fixtures shared by every test directory."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline_core import aws, log


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Fake credentials and a fixed region, so boto3 (under moto) can never reach a real account or read the
    developer's profile; the container-wide clients of pipeline_core.aws are dropped before and after the test."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    aws.reset_clients()
    yield
    aws.reset_clients()


@pytest.fixture
def logged() -> Iterator[list[logging.LogRecord]]:
    """The structured log records of the pipeline logger, at every level, while the test runs."""
    records: list[logging.LogRecord] = []
    collector = logging.Handler()
    collector.emit = records.append  # type: ignore[method-assign]
    logger = log.get_logger()
    level = logger.level
    logger.setLevel(logging.DEBUG)  # whatever LOG_LEVEL the process's first log line was written with
    logger.addHandler(collector)
    yield records
    logger.removeHandler(collector)
    logger.setLevel(level)
