#!/usr/bin/env python3
"""`make demo`: one audio file through the whole pipeline on this machine, with the real handlers, in seconds.

An embedded moto server plays S3, SQS and the Transcribe API; the buckets notify queues with the module's own filters,
and a dispatcher invokes the real handlers with the environment Terraform gives them. Where moto stops short, local
stand-ins (labelled [stand-in]) take over: the upload API and the Bedrock image model. Transcribe's output comes from
real speech recognition on this machine (labelled [local Whisper base]: scripts/local_stack/recognizer.py), so any
recording works: `make demo AUDIO=path/to/talk.m4a [LANGUAGE=ko-KR]`.
The upload goes through the upload API stand-in with curl (or scripts/client.py without curl), and the results are
followed and downloaded with scripts/client.py into demo-output/<audio name>/.
"""

from __future__ import annotations

import time

STARTED = time.monotonic()  # before the imports: the wall time includes loading boto3, moto and Pillow

import argparse  # noqa: E402
import re  # noqa: E402
import shlex  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import wave  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "functions"), str(ROOT / "scripts")]

import client  # noqa: E402
import demo_results  # noqa: E402
from cli_common.errors import EXIT_FAILURE, ArgumentParser, CliError  # noqa: E402
from cli_common.errors import run as run_main  # noqa: E402
from cli_common.inputs import number  # noqa: E402
from local_stack import demo_settings  # noqa: E402
from local_stack.media import duration_seconds  # noqa: E402
from local_stack.recognizer import RecognizerUnavailableError  # noqa: E402
from local_stack.stack import LocalStack, StackOptions  # noqa: E402
from local_stack.timeline import Timeline  # noqa: E402

from pipeline_core.units import format_size  # noqa: E402

SAMPLE = ROOT / "demo" / "sample-talk.mp3"
FOLDER = "talks"


def say(text: str = "") -> None:
    print(text, flush=True)


def upload_with_curl(audio: client.AudioFile, stack: LocalStack) -> client.Uploaded:
    """The same request as `terraform output curl_command`, sent to the local upload API."""
    url = client.object_url(stack.stage_url, FOLDER, audio.name)
    say(f'  $ curl -sS -T {shlex.quote(_shown(audio.path))} -H "Content-Type: {audio.content_type}" \\')
    say(f'         -H "x-api-key: <local key>" "{url}"')
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        body = Path(tmp) / "response"
        done = subprocess.run(
            [
                "curl", "-sS", "-o", str(body), "-w", "%{http_code}", "-T", str(audio.path),
                "-H", f"Content-Type: {audio.content_type}", "-H", f"x-api-key: {stack.api_key}", url,
            ],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        status = int(done.stdout.strip() or 0)
        if done.returncode != 0 or status != 200:
            message = body.read_text(errors="replace") if body.exists() else done.stderr
            raise client.UploadFailedError(f"curl: HTTP {status}: {message.strip() or done.stderr.strip()}")
    return client.Uploaded(f"{FOLDER}/{audio.name}", url, status, None, audio.size, time.monotonic() - started)


def first(timeline: Timeline, source: str, **match: object) -> float | None:
    for entry in timeline.entries(source):
        if all(entry.data.get(name) == value for name, value in match.items()):
            return entry.seconds
    return None


def stage_table(
    timeline: Timeline, marks: dict[str, float], job: str, transcriber_label: str = "[stand-in]"
) -> list[tuple[str, float | None]]:
    """Per-stage seconds, from the timeline each part of the stack wrote."""
    tr_start = first(timeline, "dispatcher", function="start_transcription", phase="start")
    tr_end = first(timeline, "dispatcher", function="start_transcription", phase="end")
    transcribe_end = first(timeline, "transcribe", job=job, phase="end")
    image_start = first(timeline, "dispatcher", function="illustrate_scenes", phase="start")
    image_end = first(timeline, "dispatcher", function="illustrate_scenes", phase="end")

    def between(start: float | None, end: float | None) -> float | None:
        return None if start is None or end is None else end - start

    rows = [
        ("local stack start (moto, buckets, queues, notifications, handlers)", 0.0, marks["stack ready"]),
        (
            "upload request: PUT to the upload API, answered after S3 stored the file",
            marks["upload start"],
            marks["upload end"],
        ),
        ("upload start -> transcription function invoked (S3 event, SQS)", marks["upload start"], tr_start),
        ("transcription function (validate, StartTranscriptionJob, job record)", tr_start, tr_end),
        (f"{transcriber_label} Transcribe: job started -> transcript, SRT and VTT written", tr_end, transcribe_end),
        ("transcript written -> image function invoked (S3 event, SQS)", transcribe_end, image_start),
        ("image function (scenes, [stand-in] Bedrock images, manifest, gallery)", image_start, image_end),
        ("client notices the manifest (it polls every 0.1 s)", image_end, marks["followed"]),
        ("client downloads the results", marks["followed"], marks["downloaded"]),
        ("end to end: upload start -> gallery on disk", marks["upload start"], marks["downloaded"]),
    ]
    return [(name, between(start, end)) for name, start, end in rows]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = ArgumentParser(
        prog="make demo",
        description=__doc__.split("\n\n")[0],
        epilog="exit codes: 0 done, 1 the pipeline did not finish (a dead-letter queue, the recognizer), 2 a usage "
        "mistake (a missing file, a bad number), 4 a file over 2 GB, 5 not audio, or not the format its extension "
        "says, 7 the pipeline rejected the file, 8 no result in time. `make demo` itself exits 2 on any of them.",
    )
    parser.add_argument(
        "--audio",
        type=Path,
        default=SAMPLE,
        help="the recording to run through the pipeline, anywhere on disk: "
        f"{', '.join('.' + f for f in sorted(client.CONTRACT.media_formats))} (default: the bundled {SAMPLE.name})",
    )
    parser.add_argument(
        "--language",
        type=_language_code,
        default="",
        help="its language as a Transcribe code, e.g. ko-KR or en-US (default: identified)",
    )
    parser.add_argument(
        "--transcriber",
        choices=("whisper", "fixtures"),
        default="whisper",
        help="whisper: speech recognition on this machine (default); fixtures: the bundled sample's "
        "prepared transcript, for the bundled sample only",
    )
    parser.add_argument("--output-dir", type=Path, default=ROOT / "demo-output", help="default: demo-output/")
    parser.add_argument("--scene-seconds", type=number(int, positive=True), default=10,
                        help="SCENE_SECONDS for the image function (default: 10)")  # fmt: skip
    parser.add_argument("--max-images", type=number(int, positive=True), default=4,
                        help="MAX_IMAGES_PER_FILE (default: 4)")  # fmt: skip
    parser.add_argument("--image-model", default="stability.stable-image-core-v1:1", help="IMAGE_MODEL_ID")
    parser.add_argument("--upload-with", choices=("auto", "curl", "client"), default="auto",
                        help="auto: curl when it is installed, else scripts/client.py")  # fmt: skip
    parser.add_argument(
        "--timeout",
        type=number(float, positive=True),
        default=None,
        help="seconds to wait for the gallery (default: 60 + twice the audio length); the demo stops "
        "sooner when the result is final: gallery, rejection or dead-letter queue",
    )
    parser.add_argument("--verbose", action="store_true", help="also print the functions' JSON log lines")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.output_dir.exists() and not args.output_dir.is_dir():
        raise CliError(f"--output-dir {args.output_dir} is a file; give a directory (default: demo-output/)")
    audio = client.check_file(args.audio)
    try:
        return run(args, audio)
    except RecognizerUnavailableError as failure:
        raise CliError(f"demo failed: {failure}", EXIT_FAILURE) from None
    except client.ClientFailure as failure:
        raise CliError(f"demo failed: {failure}", failure.exit_code) from None


def settings_lines(args: argparse.Namespace) -> list[str]:
    """The demo's settings and how they differ from the module's defaults."""
    Setting = demo_settings.Setting
    return demo_settings.describe(
        [
            Setting("scene_seconds", "scene length", str(args.scene_seconds), "s",
                    "shorter, so that a short recording gets several scenes"),
            Setting("max_images_per_file", "image cap", str(args.max_images), "",
                    "each image is a [stand-in] drawing, rendered locally"),
            Setting("image_model_id", "image model", args.image_model, "",
                    "its response format is what the [stand-in] answers in"),
            Setting("language_code", "language", args.language, "", "given with LANGUAGE=", unset="identified"),
        ]
    )  # fmt: skip


def run(args: argparse.Namespace, audio: client.AudioFile) -> int:
    try:
        length = duration_seconds(audio.path)
    except (ValueError, EOFError, wave.Error):
        length = None  # not what its extension says: the pipeline decides what to make of it
    timeout = args.timeout if args.timeout is not None else 60.0 + 2 * (length or 120.0)
    out_dir = args.output_dir / audio.path.stem
    args.output_dir.mkdir(parents=True, exist_ok=True)
    log_path = args.output_dir / "function-logs.jsonl"
    use_curl = args.upload_with == "curl" or (args.upload_with == "auto" and shutil.which("curl") is not None)

    say("Local demo: audio -> Amazon Transcribe subtitles -> Amazon Bedrock images, with the project's real handlers")
    say(f"  audio: {audio.path.relative_to(ROOT) if audio.path.is_relative_to(ROOT) else audio.path} "
        f"({format_size(audio.size)}" + (f", {length:.1f} s)" if length else ")"))  # fmt: skip
    say("  settings, beside the module's defaults:")
    for line in settings_lines(args):
        say("  " + line)
    say("  [stand-in] marks local replacements for what the emulator lacks; the rest is moto and the real code")
    if args.transcriber == "whisper":
        say("  [local Whisper base] marks Transcribe's output made by speech recognition on this machine (one speaker: "
            "Whisper does not tell voices apart)")  # fmt: skip
    say()
    marks: dict[str, float] = {}
    with log_path.open("w", encoding="utf-8") as function_log:
        options = StackOptions(
            name="demo",
            image_settings={
                "SCENE_SECONDS": str(args.scene_seconds),
                "MAX_IMAGES_PER_FILE": str(args.max_images),
                "IMAGE_MODEL_ID": args.image_model,
            },
            printer=say,
            function_log=function_log if not args.verbose else _Tee(function_log),
            transcription_settings={"LANGUAGE_CODE": args.language} if args.language else {},
            transcriber=args.transcriber,
        )
        say("== timeline (seconds since the stack started)")
        with LocalStack(options) as stack:
            timeline = stack.timeline
            marks["stack ready"] = timeline.now()
            say(f"== upload with {'curl' if use_curl else 'scripts/client.py'} to the local upload API")
            marks["upload start"] = timeline.now()
            if use_curl:
                uploaded = upload_with_curl(audio, stack)
            else:
                uploaded = client.upload(audio, stage_url=stack.stage_url, api_key=stack.api_key, folder=FOLDER)
            marks["upload end"] = timeline.now()
            deployment = client.Deployment(
                url=stack.stage_url,
                api_key=stack.api_key,
                audio_bucket=stack.buckets.audio,
                transcript_bucket=stack.buckets.transcript,
                image_bucket=stack.buckets.image,
            )
            followed = client.follow(
                uploaded.key,
                deployment,
                stack.s3,
                transcribe=stack.transcribe,
                timeout=timeout,
                poll_seconds=0.1,
                give_up=lambda: _dead_letter_reason(stack),
            )
            marks["followed"] = timeline.now()
            if out_dir.exists():
                shutil.rmtree(out_dir)
            files = client.download(stack.s3, deployment, followed, out_dir)
            marks["downloaded"] = timeline.now()
            say(f"{timeline.now():7.2f}s  client downloaded {len(files)} files into {_shown(out_dir)}")
            demo_results.show_result(stack.stage_url, stack.api_key, uploaded.key, out_dir, say)
            label = "[local Whisper base]" if args.transcriber == "whisper" else "[stand-in]"
            stages = stage_table(timeline, marks, followed.job, label)
            dead = stack.dispatcher.dead_lettered() if stack.dispatcher else []
        say("== local stack stopped")

    report(followed, length, out_dir, stages=stages, wall=time.monotonic() - STARTED, log_path=log_path)
    if dead:
        say(f"warning: {len(dead)} event(s) ended in a dead-letter queue; see {_shown(log_path)}")
        return 1
    return 0


def _language_code(value: str) -> str:
    if value and not re.fullmatch(r"[a-z]{2,3}-[A-Z]{2}", value):  # empty: identify the language
        raise argparse.ArgumentTypeError(f"{value!r} is not a Transcribe language code such as ko-KR or en-US")
    return value


def _dead_letter_reason(stack: LocalStack) -> str | None:
    """Why the result will never come, once an event is in a dead-letter queue."""
    dead = stack.dispatcher.dead_lettered() if stack.dispatcher else []
    if not dead:
        return None
    last = dead[-1]
    return (
        f"the {last.function} event ended in its dead-letter queue after {last.attempt} attempts: {last.error}; "
        "see demo-output/function-logs.jsonl"
    )


class _Tee:
    """Writes the functions' log lines to the log file and to the terminal."""

    def __init__(self, file: object) -> None:
        self._file = file

    def write(self, text: str) -> int:
        self._file.write(text)  # type: ignore[attr-defined]
        sys.stdout.write("          " + text)
        return len(text)

    def flush(self) -> None:
        self._file.flush()  # type: ignore[attr-defined]


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def report(
    followed: client.Followed,
    length: float | None,
    out_dir: Path,
    *,
    stages: list[tuple[str, float | None]],
    wall: float,
    log_path: Path,
) -> None:
    manifest = followed.manifest
    say()
    say("== result")
    say(f"  job name     {followed.job}")
    counts = ", ".join(f"{count} {name}" for name, count in (manifest.get("counts") or {}).items())
    say(f"  status       {manifest.get('status')} ({counts}); scenes cut along the {manifest.get('scene_source')}")
    say(f"  transcript   {', '.join(f'transcript.{fmt}' for fmt in followed.transcript_keys)}")
    say(f"  scenes       (audio {length:.1f} s)" if length else "  scenes")
    for scene in manifest.get("scenes", []):
        image = Path(scene["image_key"]).name if scene.get("image_key") else f"no image ({scene.get('status')})"
        text = scene.get("text", "")
        text = text if len(text) <= 60 else text[:57] + "..."
        say(f'    {scene["index"]:>3}  {scene["start"]:6.2f}-{scene["end"]:6.2f} s  {image}  "{text}"')
    say(f"  function logs {_shown(log_path)}")
    say()
    say("== timings")
    for name, seconds in stages:
        say(f"  {name:<85} {seconds:6.2f} s" if seconds is not None else f"  {name:<85}    n/a")
    say(f"  {'wall time of this script (imports, start-up and shutdown included)':<85} {wall:6.2f} s")
    say()
    say(f"Open the gallery: {_shown(out_dir / 'index.html')}")


if __name__ == "__main__":
    run_main(main, "make demo")
