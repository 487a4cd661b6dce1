"""`make demo` runs scripts/demo.py: the same command, in a fresh process, into a temporary output folder."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from e2e_support import ROOT
from local_stack.media import mp3_duration_seconds
from local_stack.transcribe_standin import SAMPLE_AUDIO, Fixture

pytestmark = pytest.mark.e2e


# The real recognizer runs once in the suite, here, with the upload by scripts/client.py (always available); the run
# with curl takes the bundled transcript for speed.
@pytest.mark.parametrize(("upload_with", "transcriber"), [("curl", "fixtures"), ("client", "whisper")])
def test_demo_runs_the_pipeline_and_writes_the_gallery(tmp_path: Path, upload_with: str, transcriber: str) -> None:
    if upload_with == "curl" and shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py"), "--output-dir", str(tmp_path), "--upload-with", upload_with,
         "--timeout", "120", "--transcriber", transcriber],
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
    transcribe_label = "[local Whisper base] Transcribe" if transcriber == "whisper" else "[stand-in] Transcribe"
    for expected in ("[stand-in] upload API", transcribe_label, "job name", "end to end", "wall time"):
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
    if transcriber == "whisper":
        assert not any("[stand-in] Transcribe" in line for line in lines)
        assert_heard_the_sample_script(json.loads((out / "transcript.json").read_text(encoding="utf-8")))


def assert_heard_the_sample_script(document: dict) -> None:
    """The sample's known script (demo/make_sample.py, also the bundled fixture's words) came back, in time."""
    spoken = Fixture.load(SAMPLE_AUDIO.stem).words()
    items = [i for i in document["results"]["items"] if i["type"] == "pronunciation"]
    heard = [i["alternatives"][0]["content"] for i in items]
    assert word_error_rate([w for w, _, _ in spoken], heard) <= 0.15, " ".join(heard)
    times = [(float(i["start_time"]), float(i["end_time"])) for i in items]
    assert all(start <= end for start, end in times)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(times)), "word times go back"
    assert times[0][0] >= 0
    assert times[-1][1] <= mp3_duration_seconds(SAMPLE_AUDIO.read_bytes())
    assert abs(times[0][0] - spoken[0][1]) <= 0.3, f"first word at {times[0][0]} s, spoken at {spoken[0][1]} s"
    assert abs(times[-1][1] - spoken[-1][2]) <= 0.5, f"last word ends at {times[-1][1]} s, spoken to {spoken[-1][2]} s"


def word_error_rate(reference: list[str], hypothesis: list[str]) -> float:
    """(substitutions + deletions + insertions) / reference words, case and punctuation ignored."""
    ref = [w.lower().strip(".,?!") for w in reference]
    hyp = [w.lower().strip(".,?!") for w in hypothesis]
    previous = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, start=1):
        current = [i]
        for j, other in enumerate(hyp, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other)))
        previous = current
    return previous[-1] / len(ref)


def test_word_error_rate_counts_edits() -> None:
    assert word_error_rate(["a", "b", "c", "d"], ["a", "x", "c"]) == 0.5
    assert word_error_rate(["Dawn."], ["dawn"]) == 0.0
