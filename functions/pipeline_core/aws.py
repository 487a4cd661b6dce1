"""boto3 clients, created once per container with explicit retry and timeout settings.

`override` lets tests and the local demo put a stand-in in place of a service the emulator does not cover (Bedrock
runtime returns `{}` under moto; moto's Transcribe writes no files).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from botocore.config import Config

# Bedrock image models can take minutes (aws-facts.md 3: read timeout of at least 300 s); adaptive retries back off on
# throttling instead of hammering the per-account quota from several threads.
_CONFIGS: dict[str, Config] = {
    "bedrock-runtime": Config(
        read_timeout=300, connect_timeout=10, retries={"max_attempts": 4, "mode": "adaptive"}, max_pool_connections=16
    ),
    # Throttling is retried a little here and then propagates, so Lambda's own async retries take over.
    "transcribe": Config(connect_timeout=10, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"}),
    # Translate turns scene text into English when the prompt director is off or failed (aws-facts.md 4.1).
    "translate": Config(connect_timeout=10, read_timeout=30, retries={"max_attempts": 4, "mode": "adaptive"}),
    "s3": Config(connect_timeout=10, read_timeout=60, retries={"max_attempts": 5, "mode": "standard"}),
}
_DEFAULT_CONFIG = Config(connect_timeout=10, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"})

# For presigned URLs: SigV4 (botocore still presigns S3 URLs with SigV2 by default, which newer Regions refuse) on the
# Regional virtual-hosted endpoint: the global endpoint may answer a recently created bucket with a redirect to the
# Regional one, and the signed Host header does not survive it. Signing is local: no retry or timeout settings needed.
PRESIGN_CONFIG = Config(signature_version="s3v4", s3={"addressing_style": "virtual"})

_clients: dict[tuple[str, str | None], Any] = {}
_overrides: dict[str, Any] = {}
_lock = threading.Lock()


def client(service: str, region: str | None = None) -> Any:
    """The container-wide client for `service` (or its override); thread-safe, created on first use.

    `region` None is the function's own Region; Bedrock is called in the model's Region (BEDROCK_REGION), which may
    differ (the Stability models run in us-west-2 only).
    """
    if service in _overrides:
        return _overrides[service]
    with _lock:
        if (service, region) not in _clients:
            config = _CONFIGS.get(service, _DEFAULT_CONFIG)
            _clients[service, region] = boto3.client(service, region_name=region, config=config)
        return _clients[service, region]


@contextmanager
def override(service: str, replacement: Any) -> Iterator[Any]:
    """Use `replacement` for `service` inside the block (tests, local demo)."""
    previous = _overrides.get(service)
    _overrides[service] = replacement
    try:
        yield replacement
    finally:
        if previous is None:
            _overrides.pop(service, None)
        else:
            _overrides[service] = previous


def reset_clients() -> None:
    """Forget cached clients, e.g. after a test changed the endpoint or credentials in the environment."""
    with _lock:
        _clients.clear()
