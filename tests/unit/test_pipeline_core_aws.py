"""Container-wide clients and the override hook used by tests and the local demo."""

from __future__ import annotations

import pytest

from pipeline_core import aws


@pytest.mark.usefixtures("aws_env")
def test_clients_are_created_once_and_carry_explicit_retry_settings() -> None:
    first = aws.client("transcribe")
    assert aws.client("transcribe") is first
    assert first.meta.config.retries["mode"] == "standard"
    assert aws.client("bedrock-runtime").meta.config.read_timeout >= 300


@pytest.mark.usefixtures("aws_env")
def test_override_replaces_a_service_inside_the_block_and_nests() -> None:
    real = aws.client("s3")
    outer, inner = object(), object()
    with aws.override("s3", outer):
        assert aws.client("s3") is outer
        with aws.override("s3", inner):
            assert aws.client("s3") is inner
        assert aws.client("s3") is outer
    assert aws.client("s3") is real


@pytest.mark.usefixtures("aws_env")
def test_override_is_removed_when_the_block_raises() -> None:
    real = aws.client("s3")
    with pytest.raises(RuntimeError), aws.override("s3", object()):
        raise RuntimeError
    assert aws.client("s3") is real
