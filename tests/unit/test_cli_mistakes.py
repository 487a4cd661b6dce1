"""Every command-line tool, run as a user runs it, with the mistakes users make: each ends with at most two lines
that name the problem, the documented exit code, and never a traceback. The table is the list in
docs/operations.md ("When a command refuses")."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from audio_headers import HEADERS

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "demo" / "sample-talk.mp3"
UNREACHABLE_URL = "http://127.0.0.1:9/v1"  # nothing listens there
BUCKETS = {"PIPELINE_AUDIO_BUCKET": "a", "PIPELINE_TRANSCRIPT_BUCKET": "t", "PIPELINE_IMAGE_BUCKET": "i"}
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
REGION = {"AWS_REGION": "us-east-1"}


@dataclass(frozen=True)
class Mistake:
    id: str
    tool: str  # scripts/<tool>
    args: tuple[str, ...]  # "{tmp}" becomes the test's scratch directory
    code: int
    says: str  # in the message
    env: dict[str, str] = field(default_factory=dict)


MISTAKES = [
    # scripts/client.py: exit codes 2 usage or missing setting, 5 not audio or not an accepted format
    Mistake("client-missing-file", "client.py", ("upload", "{tmp}/nope.mp3"), 2, "no such audio file"),
    Mistake("client-directory", "client.py", ("upload", "{tmp}"), 2, "is a directory"),
    Mistake("client-pdf-named-mp3", "client.py", ("upload", "{tmp}/paper.mp3"), 5, "not MP3 audio (a PDF document)"),
    Mistake("client-wav-named-mp3", "client.py", ("upload", "{tmp}/wave.mp3"), 5, "rename it to .wav"),
    Mistake("client-text-file", "client.py", ("upload", "{tmp}/notes.txt"), 5, "unsupported format"),
    Mistake("client-empty-file", "client.py", ("upload", "{tmp}/empty.mp3"), 5, "the file is empty"),
    Mistake("client-negative-timeout", "client.py", ("upload", str(SAMPLE), "--timeout", "-5"), 2,
            "--timeout: expected a positive number, got '-5'"),
    Mistake("client-word-for-number", "client.py", ("upload", str(SAMPLE), "--poll", "soon"), 2,
            "--poll: expected a positive number, got 'soon'"),
    Mistake("client-no-terraform-dir", "client.py", ("upload", str(SAMPLE), "--terraform-dir", "{tmp}/nope"), 2,
            "--terraform-dir {tmp}/nope: no such directory"),
    Mistake("client-no-stage-url", "client.py", ("upload", str(SAMPLE), "--terraform-dir", "{tmp}"), 2,
            "no stage URL"),
    Mistake("client-not-a-url", "client.py", ("upload", str(SAMPLE), "--url", "ftp://x/v1"), 2,
            "expected an https:// URL"),
    # --wait without a GET route follows the buckets: their names, credentials and a Region are checked first.
    Mistake("client-wait-no-credentials", "client.py", ("upload", str(SAMPLE), "--url", "{no_route}", "--wait"), 2,
            "no AWS credentials found", {**BUCKETS, **REGION}),
    Mistake("client-wait-no-region", "client.py", ("upload", str(SAMPLE), "--url", "{no_route}", "--wait"), 2,
            "no AWS Region", {**BUCKETS, **CREDENTIALS}),
    Mistake("client-wait-no-buckets", "client.py", ("upload", str(SAMPLE), "--url", "{no_route}", "--wait",
            "--terraform-dir", "{tmp}"), 2, "their names are missing"),
    Mistake("client-wait-unreachable", "client.py", ("upload", str(SAMPLE), "--url", UNREACHABLE_URL, "--wait"), 6,
            "Nothing was uploaded"),
    Mistake("client-status-not-a-key", "client.py", ("status", "talk.mp3", "--url", UNREACHABLE_URL), 2,
            "expected FOLDER/NAME"),
    Mistake("client-fetch-negative-timeout", "client.py", ("fetch", "talks/talk.mp3", "--timeout", "-1"), 2,
            "--timeout: expected a positive number, got '-1'"),
    Mistake("client-fetch-no-terraform-dir", "client.py", ("fetch", "talks/talk.mp3", "--terraform-dir",
            "{tmp}/nope"), 2, "no such directory"),
    Mistake("client-video-no-folder", "client.py", ("video", "{tmp}/nope", "--out", "{tmp}/talk.mp4"), 2,
            "is not a folder"),
    Mistake("client-no-command", "client.py", (), 2, "the following arguments are required"),
    # scripts/demo.py (make demo): 2 usage, 5 not audio
    Mistake("demo-missing-audio", "demo.py", ("--audio", "{tmp}/nope.m4a"), 2, "no such audio file"),
    Mistake("demo-directory", "demo.py", ("--audio", "{tmp}"), 2, "is a directory"),
    Mistake("demo-not-audio", "demo.py", ("--audio", "{tmp}/paper.mp3"), 5, "not MP3 audio"),
    Mistake("demo-wrong-extension", "demo.py", ("--audio", "{tmp}/wave.mp3"), 5, "rename it to .wav"),
    Mistake("demo-negative-scene", "demo.py", ("--scene-seconds", "-10"), 2,
            "--scene-seconds: expected a positive whole number, got '-10'"),
    Mistake("demo-word-for-number", "demo.py", ("--max-images", "many"), 2,
            "--max-images: expected a positive whole number, got 'many'"),
    Mistake("demo-bad-language", "demo.py", ("--language", "korean"), 2, "not a Transcribe language code"),
    Mistake("demo-output-dir-is-a-file", "demo.py", ("--output-dir", "{tmp}/notes.txt"), 2, "is a file"),
    # scripts/preview_scenes.py: 1 the file cannot be used, 2 usage
    Mistake("preview-missing-file", "preview_scenes.py", ("{tmp}/nope.srt",), 2, "no such transcript"),
    Mistake("preview-directory", "preview_scenes.py", ("{tmp}",), 2, "is a directory"),
    Mistake("preview-wrong-kind", "preview_scenes.py", ("{tmp}/notes.txt",), 2, "expected a .json, .srt or .vtt"),
    Mistake("preview-malformed-srt", "preview_scenes.py", ("{tmp}/broken.srt",), 1,
            "line 2: 'garbage' is not a time"),
    Mistake("preview-malformed-vtt", "preview_scenes.py", ("{tmp}/broken.vtt",), 1, "must start with 'WEBVTT'"),
    Mistake("preview-malformed-json", "preview_scenes.py", ("{tmp}/broken.json",), 1, "is not valid JSON"),
    Mistake("preview-negative-seconds", "preview_scenes.py", ("{tmp}/ok.srt", "--scene-seconds", "-1"), 2,
            "expected a positive number, got '-1'"),
    Mistake("preview-word-for-number", "preview_scenes.py", ("{tmp}/ok.srt", "--max-images", "x"), 2,
            "expected a positive whole number, got 'x'"),
    Mistake("preview-retired-model", "preview_scenes.py", ("{tmp}/ok.srt", "--model", "amazon.nova-canvas-v1:0"), 2,
            "is retired"),
    Mistake("preview-subtitles-bad-language", "preview_scenes.py",
            (str(REPO / "tests/fixtures/handwritten_harbour_walk.json"), "--subtitles", "srt", "--language", "english"),
            2, "not a language code"),
    Mistake("preview-subtitles-negative-cps", "preview_scenes.py",
            (str(REPO / "tests/fixtures/handwritten_harbour_walk.json"), "--subtitles", "srt", "--max-cps", "-1"),
            2, "expected a whole number of at least 0, got '-1'"),
    Mistake("preview-subtitles-of-an-srt", "preview_scenes.py", ("{tmp}/ok.srt", "--subtitles", "vtt"), 2,
            "--subtitles re-cuts a Transcribe transcript"),
    Mistake("preview-subtitles-malformed-json", "preview_scenes.py", ("{tmp}/broken.json", "--subtitles", "srt"), 1,
            "broken.json"),
    # scripts/redrive.py: 2 usage or missing setting
    Mistake("redrive-no-credentials", "redrive.py",
            ("image", "--queue-url", "https://sqs.us-east-1.amazonaws.com/1/q", "--function-name", "f"), 2,
            "no AWS credentials found"),
    Mistake("redrive-no-region", "redrive.py", ("image", "--queue-url", "https://q.example/1/q", "--function-name",
            "f"), 2, "no AWS Region", CREDENTIALS),
    Mistake("redrive-negative-max", "redrive.py", ("image", "--max", "-1"), 2, "expected a whole number of at least 1"),
    Mistake("redrive-word-for-number", "redrive.py", ("image", "--max", "all"), 2, "got 'all'"),
    Mistake("redrive-no-terraform-dir", "redrive.py", ("image", "--terraform-dir", "{tmp}/nope"), 2,
            "no such directory"),
    Mistake("redrive-unknown-stage", "redrive.py", ("images",), 2, "invalid choice: 'images'"),
    # scripts/estimate_cost.py: 2 usage or unreadable input
    Mistake("cost-negative-minutes", "estimate_cost.py", ("--minutes", "-3"), 2, "expected a positive number"),
    Mistake("cost-word-for-number", "estimate_cost.py", ("--minutes", "thirty"), 2, "got 'thirty'"),
    Mistake("cost-no-terraform-dir", "estimate_cost.py", ("--from-terraform", "{tmp}/nope"), 2,
            "no such directory or file"),
    Mistake("cost-missing-prices", "estimate_cost.py", ("--prices", "{tmp}/nope.json"), 2, "No such file"),
    Mistake("cost-malformed-prices", "estimate_cost.py", ("--prices", "{tmp}/broken.json"), 2,
            "cannot read the price table"),
    # scripts/tf_docs.py
    Mistake("tf-docs-no-root", "tf_docs.py", ("--check", "--root", "{tmp}/nope"), 2, "no such directory"),
]  # fmt: skip


class _NoRoute(BaseHTTPRequestHandler):
    """An API with no GET route, as API Gateway answers for a method it does not have (and a refusal for the rest)."""

    def _answer(self) -> None:
        body = b'{"message":"Missing Authentication Token"}'
        self.send_response(403)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def no_route() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NoRoute)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """The files the mistakes are made with."""
    (tmp_path / "paper.mp3").write_bytes(b"%PDF-1.7\n" + b"\x00" * 2000)
    (tmp_path / "wave.mp3").write_bytes(HEADERS["wav"] + b"\x00" * 2000)
    (tmp_path / "notes.txt").write_text("not audio\n")
    (tmp_path / "empty.mp3").write_bytes(b"")
    (tmp_path / "broken.srt").write_text("1\n00:00:01,000 --> garbage\nhello\n")
    (tmp_path / "broken.vtt").write_text("1\n00:00:01.000 --> 00:00:02.000\nhello\n")
    (tmp_path / "broken.json").write_text('{"results": ')
    (tmp_path / "ok.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nhello\n")
    return tmp_path


def clean_environment(tmp: Path, extra: dict[str, str]) -> dict[str, str]:
    """No AWS settings of the machine's, no metadata service, no Terraform state: only what the case gives."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PIPELINE_"))}
    env.update(
        AWS_CONFIG_FILE=str(tmp / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        HOME=str(tmp),
        PATH=os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if not Path(p, "terraform").exists()),
    )
    env.update(extra)
    return env


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.id for m in MISTAKES])
def test_a_mistake_gets_a_short_message_and_its_exit_code(scratch: Path, no_route: str, mistake: Mistake) -> None:
    args = [arg.replace("{tmp}", str(scratch)).replace("{no_route}", no_route) for arg in mistake.args]
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / mistake.tool), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=scratch,
        env=clean_environment(scratch, mistake.env),
        check=False,
    )
    message = done.stderr.strip()
    assert "Traceback" not in done.stderr + done.stdout
    assert done.returncode == mistake.code, message
    assert mistake.says.replace("{tmp}", str(scratch)) in message
    assert 1 <= len(message.splitlines()) <= 2, message
    prog = "make demo" if mistake.tool == "demo.py" else mistake.tool  # what `make demo` runs speaks as make demo
    assert re.match(rf"{re.escape(prog)}( \w+)?: error: ", message), message  # "client.py upload: error: ..."


def test_every_tool_a_user_runs_is_in_the_table() -> None:
    users_run = {"client.py", "demo.py", "preview_scenes.py", "redrive.py", "estimate_cost.py", "tf_docs.py"}
    assert {m.tool for m in MISTAKES} == users_run
    built_by_terraform_or_for_development = {"package.py", "generate_provider_schema.py"}
    commands = {p.name for p in (REPO / "scripts").glob("*.py") if '__name__ == "__main__"' in p.read_text()}
    assert commands == users_run | built_by_terraform_or_for_development


def test_an_unforeseen_error_is_two_lines_and_the_traceback_is_there_on_request(tmp_path: Path) -> None:
    program = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from cli_common.errors import run\n"
        "def main():\n    raise RuntimeError('boom')\n"
        "run(main, 'tool.py')\n"
    )
    env = clean_environment(tmp_path, {})
    done = subprocess.run(
        [sys.executable, "-c", program, str(REPO / "scripts")], capture_output=True, text=True, env=env, check=False
    )
    assert (done.returncode, "Traceback" in done.stderr) == (1, False)
    assert done.stderr.splitlines()[0] == "tool.py: unexpected error: RuntimeError: boom"
    assert len(done.stderr.splitlines()) == 2
    done = subprocess.run(
        [sys.executable, "-c", program, str(REPO / "scripts")],
        capture_output=True,
        text=True,
        env={**env, "PIPELINE_DEBUG": "1"},
        check=False,
    )
    assert "Traceback" in done.stderr
