"""`make demo` runs scripts/demo.py: the same command, in a fresh process, into a temporary output folder."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from e2e_support import ROOT

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("upload_with", ["curl", "client"])
def test_demo_runs_the_pipeline_and_writes_the_gallery(tmp_path: Path, upload_with: str) -> None:
    if upload_with == "curl" and shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py"), "--output-dir", str(tmp_path), "--upload-with", upload_with,
         "--timeout", "120"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    out = tmp_path / "sample-talk"
    lines = done.stdout.splitlines()
    assert lines[-1].startswith("Open the gallery: ")
    assert Path(lines[-1].removeprefix("Open the gallery: ")).resolve() == (out / "index.html").resolve()
    assert not [line for line in lines if line.startswith('{"level"')], "function log lines leaked to the output"
    for expected in ("[stand-in] upload API", "[stand-in] Transcribe", "job name", "end to end", "wall time"):
        assert any(expected in line for line in lines), expected
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    images = [Path(scene["image_key"]).name for scene in manifest["scenes"] if scene["status"] == "ok"]
    assert images
    for name in ["transcript.json", "transcript.srt", "transcript.vtt", "index.html", *images]:
        assert (out / name).is_file(), name
    # The last step asks the API for the result (curl, GET, the API key) and puts the audio beside the player.
    assert any(line.startswith("== results over the API: curl -H") for line in lines)
    assert '    "status": "complete",' in lines
    assert (out / "sample-talk.mp3").read_bytes() == (ROOT / "demo" / "sample-talk.mp3").read_bytes()
    assert (tmp_path / "function-logs.jsonl").read_text(encoding="utf-8").strip()
