"""scripts/client.py as a user runs it, against the local stack: settings from the environment, boto3 pointed at the
emulator through AWS_ENDPOINT_URL as any AWS-compatible endpoint would be."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from e2e_support import ROOT, SAMPLE, WAIT_SECONDS
from local_stack.stack import LocalStack

pytestmark = pytest.mark.e2e

CLIENT = ROOT / "scripts" / "client.py"


def client_env(stack: LocalStack, **overrides: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "PIPELINE_"))}
    env.update(
        PIPELINE_STAGE_URL=stack.stage_url,
        PIPELINE_API_KEY=stack.api_key,
        PIPELINE_AUDIO_BUCKET=stack.buckets.audio,
        PIPELINE_TRANSCRIPT_BUCKET=stack.buckets.transcript,
        PIPELINE_IMAGE_BUCKET=stack.buckets.image,
        AWS_ENDPOINT_URL=stack.endpoint_url,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )
    env.update(overrides)
    return env


def run_client(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(CLIENT), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS + 60,
        check=False,
    )


def test_upload_wait_downloads_everything(stack: LocalStack, tmp_path: Path) -> None:
    out = tmp_path / "results"
    done = run_client(
        ["upload", str(SAMPLE), "--folder", "cli", "--wait", "--out", str(out), "--poll", "0.2",
         "--timeout", str(WAIT_SECONDS)],
        client_env(stack),
        tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == str(out / "index.html")
    assert "transcription job started" in done.stderr
    names = {path.name for path in out.iterdir()}
    assert {"transcript.json", "transcript.srt", "transcript.vtt", "manifest.json", "index.html"} <= names
    assert any(name.endswith(".png") for name in names)


def test_wrong_api_key_exits_3_with_a_clear_message(stack: LocalStack, tmp_path: Path) -> None:
    done = run_client(["upload", str(SAMPLE), "--folder", "cli"], client_env(stack, PIPELINE_API_KEY="nope"), tmp_path)
    assert done.returncode == 3
    assert "403 Forbidden" in done.stderr
    assert "API key" in done.stderr
