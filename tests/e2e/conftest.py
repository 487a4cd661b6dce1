"""The local stack for the end-to-end tests: one per test module (and per pytest-xdist worker), on free ports."""

from __future__ import annotations

import ipaddress
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # e2e_support, whichever import mode pytest uses
    sys.path.insert(0, str(HERE))

from e2e_support import QUICK_IMAGE_SETTINGS  # noqa: E402
from iam.recording import SuiteRecording  # noqa: E402
from local_stack.stack import LocalStack, StackOptions  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def every_aws_call_is_allowed(worker_id: str) -> Iterator[SuiteRecording]:
    """Records every AWS call the functions make in this worker's share of the end-to-end suite and, at the end,
    fails unless the policy the module renders for the calling function's role allows each of them (with and
    without a customer managed key): least privilege must not cost a permission a real account would deny."""
    with SuiteRecording(worker_id).installed() as recording:
        yield recording
    problems = recording.problems()
    assert not problems, "AWS calls the module's IAM policies would deny or do not cover:\n" + "\n".join(problems)


@pytest.fixture(scope="module", autouse=True)
def loopback_only() -> Iterator[list[str]]:
    """Every connection this process opens during the module must go to 127.0.0.1 (or ::1): the pipeline runs on
    the embedded emulator and the local stand-ins, and contacts nothing else."""
    attempts: list[str] = []
    original = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not ipaddress.ip_address(address[0]).is_loopback:
            attempts.append(str(address))
            raise OSError(f"connection to {address} refused by the end-to-end tests: only 127.0.0.1 is allowed")
        return original(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    try:
        yield attempts
    finally:
        socket.socket.connect = original  # type: ignore[method-assign]
    assert not attempts, f"connections outside 127.0.0.1 were attempted: {attempts}"


@pytest.fixture(scope="module")
def stack(loopback_only: list[str]) -> Iterator[LocalStack]:
    with LocalStack(StackOptions(name="e2e", image_settings=dict(QUICK_IMAGE_SETTINGS))) as local:
        yield local
