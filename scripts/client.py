#!/usr/bin/env python3
"""Upload an audio file to a deployment of the module and, with --wait, follow it to its subtitles and images.

    python3 scripts/client.py upload talk.mp3 --folder talks --wait --out results/

The upload needs only the Python standard library. Up to the upload API's 10 MB body limit it is
`PUT <stage URL>/<folder>/<file name>` with the API key in `x-api-key`, exactly what `terraform output curl_command`
prints. A larger file (up to Amazon Transcribe's 2 GB) takes two requests: `POST` to the same URL with its size and
type, which answers with a short-lived presigned S3 URL for the same key, then `PUT` of the file to that URL
(--presigned takes this way for any size). --wait reads the buckets with your own AWS credentials (boto3): it finds the
Transcribe job from the uploaded object, shows the progress through transcript and images, and downloads transcript,
subtitles, images, manifest and gallery into --out.

Results with the API key only, over the upload API's GET route (no AWS credentials; --wait uses it too, and falls
back to reading the buckets with your credentials where the deployment has no GET route):

    python3 scripts/client.py status talks/talk.mp3              the status and presigned result links, as JSON
    python3 scripts/client.py fetch talks/talk.mp3 --out talk/   waits, then downloads results and audio: open
                                                                 talk/index.html, it plays offline

Settings, first found wins: the flag, the environment variable, then `terraform output -json` run in
--terraform-dir (default: the current directory), i.e. the outputs of a configuration that deploys the module:

    stage URL          --url                 PIPELINE_STAGE_URL          output stage_url
    API key            --api-key             PIPELINE_API_KEY            output api_key_value
    audio bucket       --audio-bucket        PIPELINE_AUDIO_BUCKET       output audio_bucket_name
    transcript bucket  --transcript-bucket   PIPELINE_TRANSCRIPT_BUCKET  output transcript_bucket_name
    image bucket       --image-bucket        PIPELINE_IMAGE_BUCKET       output image_bucket_name
"""

from __future__ import annotations

import argparse
import json
import os
import posixpath
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

# The client's concerns live in scripts/pipeline_client/ (one module each); this file is the command and keeps their
# names importable as `client.<name>`.
# Shared with the functions: the contract, the job naming (the client computes the same job name they do) and the
# presign function's upload rules (standard library only), so the client refuses what the API would refuse.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "functions"))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # pipeline_client, when run as a file

from cli_common.errors import ArgumentParser, CliError
from cli_common.errors import run as run_main
from cli_common.inputs import aws_session, existing_directory, number
from pipeline_client import results_route
from pipeline_client import video as video_module
from pipeline_client.errors import (
    EXIT_FAILURE,
    EXIT_FORBIDDEN,
    EXIT_OK,
    EXIT_PIPELINE,
    EXIT_TIMEOUT,
    EXIT_TOO_LARGE,
    EXIT_UNSUPPORTED,
    EXIT_UPLOAD_FAILED,
    EXIT_USAGE,
    ClientFailure,
    ForbiddenError,
    PipelineError,
    TooLargeError,
    UnsupportedFileError,
    UploadFailedError,
    UsageError,
    WaitTimeoutError,
)
from pipeline_client.following import Followed, aws_clients, candidate_jobs, download, follow
from pipeline_client.progress import Progress, human_size
from pipeline_client.settings import _SETTINGS, Deployment, resolve_deployment, terraform_outputs
from pipeline_client.uploading import (
    CONTENT_TYPES,
    DEFAULT_FOLDER,
    MAX_FILE_SIZE,
    UPLOAD_LIMIT,
    AudioFile,
    Uploaded,
    check_file,
    check_folder,
    check_key,
    object_url,
    request_upload_url,
    upload,
    upload_direct,
    upload_presigned,
)

from pipeline_core.contract import CONTRACT
from pipeline_core.units import format_size

__all__ = [
    "CONTENT_TYPES",
    "DEFAULT_FOLDER",
    "EXIT_FAILURE",
    "EXIT_FORBIDDEN",
    "EXIT_OK",
    "EXIT_PIPELINE",
    "EXIT_TIMEOUT",
    "EXIT_TOO_LARGE",
    "EXIT_UNSUPPORTED",
    "EXIT_UPLOAD_FAILED",
    "EXIT_USAGE",
    "MAX_FILE_SIZE",
    "UPLOAD_LIMIT",
    "AudioFile",
    "ClientFailure",
    "Deployment",
    "Followed",
    "ForbiddenError",
    "PipelineError",
    "Progress",
    "TooLargeError",
    "UnsupportedFileError",
    "UploadFailedError",
    "Uploaded",
    "UsageError",
    "WaitTimeoutError",
    "aws_clients",
    "candidate_jobs",
    "check_file",
    "check_folder",
    "check_key",
    "download",
    "follow",
    "human_size",
    "main",
    "object_url",
    "request_upload_url",
    "resolve_deployment",
    "terraform_outputs",
    "upload",
    "upload_direct",
    "upload_presigned",
    "wait_prerequisites",
]


# --- command line ---------------------------------------------------------------------------------------------------


EXIT_CODES = (
    "exit codes: 0 done, 1 unexpected error, 2 usage or missing setting, 3 API key missing or refused (403), "
    "4 file too large (over 2 GB, Amazon Transcribe's limit), 5 unsupported format or empty file, 6 upload failed, "
    "7 rejected or failed in the pipeline, 8 timed out"
)


SECONDS = number(float, positive=True)


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="client.py",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EXIT_CODES,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser(
        "upload",
        help="upload an audio file",
        description=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EXIT_CODES,
    )
    up.add_argument("file", type=Path, help="the audio file (" + ", ".join(sorted(CONTRACT.media_formats)) + ")")
    up.add_argument(
        "--folder", default=DEFAULT_FOLDER, help=f"folder (key prefix) in the audio bucket (default: {DEFAULT_FOLDER})"
    )
    up.add_argument(
        "--presigned",
        action="store_true",
        help=f"upload through a presigned S3 URL whatever the size (the way above {format_size(UPLOAD_LIMIT)})",
    )
    up.add_argument("--wait", action="store_true", help="follow the file through transcript and images")
    up.add_argument(
        "--out",
        type=Path,
        help="with --wait: download the results into this folder (default: ./<file name without extension>)",
    )
    up.add_argument(
        "--timeout", type=SECONDS, default=1800.0, help="with --wait: give up after this many seconds (default: 1800)"
    )
    up.add_argument("--poll", type=SECONDS, default=5.0, help="with --wait: seconds between checks (default: 5)")
    up.add_argument(
        "--request-timeout",
        type=SECONDS,
        default=60.0,
        help="seconds to wait for the upload API's answer (default: 60)",
    )
    up.add_argument("--url", help="stage URL, e.g. https://abc123.execute-api.us-east-1.amazonaws.com/v1")
    up.add_argument("--api-key", help="API key (sent as x-api-key)")
    up.add_argument("--audio-bucket")
    up.add_argument("--transcript-bucket")
    up.add_argument("--image-bucket")
    up.add_argument(
        "--terraform-dir", type=Path, default=Path("."), help="where `terraform output -json` is run (default: .)"
    )
    up.add_argument("--quiet", action="store_true", help="print only the results")
    for name, text in (
        ("status", "print the upload's status and presigned result links (GET route, API key only)"),
        ("fetch", "wait until the upload is done, then download its results and audio into a folder that plays"),
    ):
        sub = commands.add_parser(name, help=text, description=text, epilog=EXIT_CODES)
        sub.add_argument("key", help="FOLDER/NAME, the key the upload printed (e.g. talks/talk.mp3)")
        sub.add_argument("--url", help="stage URL, e.g. https://abc123.execute-api.us-east-1.amazonaws.com/v1")
        sub.add_argument("--api-key", help="API key (sent as x-api-key)")
        sub.add_argument(
            "--terraform-dir", type=Path, default=Path("."), help="where `terraform output -json` is run (default: .)"
        )
        if name == "fetch":
            sub.add_argument("--out", type=Path, help="folder for the results (default: ./<name without extension>)")
            sub.add_argument("--timeout", type=SECONDS, default=1800.0, help="give up after this many seconds")
            sub.add_argument("--poll", type=SECONDS, default=5.0, help="seconds between checks (default: 5)")
            sub.add_argument("--quiet", action="store_true", help="print only the folder's index.html")
    video = commands.add_parser(
        "video",
        help="an MP4 of a fetched folder: the images over the audio, with subtitles (ffmpeg via imageio-ffmpeg)",
        description=video_module.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=EXIT_CODES,
    )
    video.add_argument("folder", type=Path, help="a folder written by `fetch` (or `upload --wait --out`)")
    video.add_argument("--out", type=Path, required=True, help="the MP4 to write, e.g. talk.mp4")
    video.add_argument(
        "--burn-in", action="store_true", help="draw the subtitles into the picture (default: soft track)"
    )
    video.add_argument("--language", help="the subtitle track, e.g. en for subtitles.en.vtt (default: the original)")
    return parser


def run_upload(args: argparse.Namespace, environ: Mapping[str, str], out: TextIO) -> int:
    audio = check_file(args.file)
    folder = check_folder(args.folder)
    existing_directory(args.terraform_dir, "--terraform-dir")
    deployment = resolve_deployment(
        {name: getattr(args, name) for name in _SETTINGS},
        environ,
        lambda: terraform_outputs(args.terraform_dir),
    )
    if not deployment.url:
        raise UsageError(
            "no stage URL: pass --url, set PIPELINE_STAGE_URL, or run in (or point --terraform-dir at) the Terraform "
            "configuration of the deployment so that `terraform output -json` has stage_url"
        )
    check_key(folder, audio)
    # Before anything is uploaded: a --wait that could not follow the file would leave it behind unwatched.
    session = wait_prerequisites(deployment, f"{folder}/{audio.name}") if args.wait else None
    progress = Progress(quiet=args.quiet)
    presigned = args.presigned or audio.size > UPLOAD_LIMIT
    what = f"uploading {audio.name} ({human_size(audio.size)}) to {folder}/"
    if not presigned:
        progress.stage(f"{what} through the upload API")
    elif audio.size > UPLOAD_LIMIT:
        progress.stage(f"{what}: over the upload API's {format_size(UPLOAD_LIMIT)} limit, via a presigned S3 URL")
    else:
        progress.stage(f"{what} through a presigned S3 URL (--presigned)")
    uploaded = upload(
        audio,
        stage_url=deployment.url,
        api_key=deployment.api_key,
        folder=folder,
        timeout=args.request_timeout,
        presigned=presigned,
        progress=progress,
    )
    progress.stage(
        f"uploaded: HTTP {uploaded.status} in {uploaded.seconds:.2f} s "
        f"({human_size(round(uploaded.size / max(uploaded.seconds, 1e-3)))}/s), key {uploaded.key}"
    )
    if not args.wait:
        out.write(f"{uploaded.key}\n")
        return EXIT_OK
    out_dir = args.out or Path(audio.path.stem)
    if session is None:
        return _wait_over_the_api(deployment, uploaded.key, args, progress=progress, out_dir=out_dir, out=out)
    progress.stage("the upload API has no GET route: following the buckets with your AWS credentials instead")
    from botocore.exceptions import BotoCoreError, ClientError

    s3, transcribe = session.client("s3"), session.client("transcribe")
    try:
        followed = follow(
            uploaded.key,
            deployment,
            s3,
            transcribe=transcribe,
            timeout=args.timeout,
            poll_seconds=args.poll,
            progress=progress,
        )
        files = download(s3, deployment, followed, out_dir)
    except (BotoCoreError, ClientError) as err:
        raise ClientFailure(f"reading the deployment's buckets with your AWS credentials failed: {err}") from None
    progress.stage(f"downloaded {len(files)} files into {out_dir}")
    out.write(f"{out_dir / CONTRACT.gallery_name}\n")
    return EXIT_OK


def wait_prerequisites(deployment: Deployment, key: str) -> Any:
    """What --wait needs, checked before the upload so that a missing piece costs nothing. The GET route answering
    with the API key (404 for a key not uploaded yet counts: the route is there) is enough, and then None is returned;
    where the deployment has no GET route, the bucket names, boto3, AWS credentials and a Region (the stage URL's, else
    your profile's) are needed, and the boto3 session to follow the buckets with is returned."""
    try:
        results_route.ask(str(deployment.url), deployment.api_key, key, timeout=30.0)
        return None
    except results_route.RouteFailure as failure:
        if failure.exit_code == EXIT_USAGE:  # 404 (not there yet) or 400: the route answered
            return None
        if "no GET route" not in str(failure):  # the key refused, the API unreachable: the upload would fail too
            raise ClientFailure(f"{failure}. Nothing was uploaded.", failure.exit_code) from None
    missing = [n for n in ("audio", "transcript", "image") if not getattr(deployment, f"{n}_bucket")]
    if missing:
        raise UsageError(
            f"--wait: the deployment has no GET route, so the buckets are followed instead, and their names are "
            f"missing ({', '.join(missing)}): pass --{missing[0]}-bucket or set PIPELINE_{missing[0].upper()}_BUCKET, "
            "or run where `terraform output` knows the deployment. Nothing was uploaded."
        )
    try:
        return aws_session(deployment.region)
    except CliError as err:
        raise UsageError(
            f"--wait: the deployment has no GET route, so the buckets are followed with your AWS credentials: {err}. "
            "Nothing was uploaded."
        ) from None


def _progress_reporter(progress: Progress) -> Callable[[dict[str, Any]], None]:
    """Each new state as a line; the job's start once, even when the file passed that state between two checks."""
    seen: set[str] = set()

    def report(document: dict[str, Any]) -> None:
        job = document.get("job_name")
        if job and job not in seen:
            seen.add(job)
            progress.stage(f"transcription job started: {job}")
        progress.stage(results_route.describe(document))

    return report


def _wait_over_the_api(
    deployment: Deployment, key: str, args: argparse.Namespace, *, progress: Progress, out_dir: Path, out: TextIO
) -> int:
    """Follow the upload with GET /{folder}/{object} (API key only) and fetch its results, audio included, into
    `out_dir`: `upload --wait` and `fetch` alike."""
    try:
        document = results_route.wait(
            str(deployment.url),
            deployment.api_key,
            key,
            timeout=args.timeout,
            poll_seconds=args.poll,
            on_change=_progress_reporter(progress),
        )
        _check_finished(document)
        files = results_route.fetch(document, out_dir)
    except results_route.RouteFailure as failure:
        raise ClientFailure(str(failure), failure.exit_code) from None
    progress.stage(f"downloaded {len(files)} files into {out_dir} (open index.html: the audio is beside it)")
    out.write(f"{out_dir / CONTRACT.gallery_name}\n")
    return EXIT_OK


def _check_finished(document: Mapping[str, Any]) -> None:
    if document.get("status") == "rejected":
        raise PipelineError(
            f"the pipeline rejected {document.get('key')}: {document.get('reason')}: {document.get('detail')}"
        )
    if document.get("status") == "failed":
        raise PipelineError(f"the image function could not illustrate the transcript: {document.get('reason')}")


def _route_settings(args: argparse.Namespace, environ: Mapping[str, str]) -> Deployment:
    existing_directory(args.terraform_dir, "--terraform-dir")
    deployment = resolve_deployment(
        {name: getattr(args, name, None) for name in _SETTINGS}, environ, lambda: terraform_outputs(args.terraform_dir)
    )
    if not deployment.url:
        raise UsageError(
            "no stage URL: pass --url, set PIPELINE_STAGE_URL, or run where `terraform output` has stage_url"
        )
    return deployment


def _results_key(value: str) -> str:
    folder, _, name = value.partition("/")
    if not folder or not name or "/" in name:
        raise UsageError(f"{value!r}: expected FOLDER/NAME, the key the upload printed (e.g. talks/talk.mp3)")
    return value


def run_status(args: argparse.Namespace, environ: Mapping[str, str], out: TextIO) -> int:
    deployment = _route_settings(args, environ)
    try:
        document = results_route.ask(str(deployment.url), deployment.api_key, _results_key(args.key))
    except results_route.RouteFailure as failure:
        raise ClientFailure(str(failure), failure.exit_code) from None
    out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return EXIT_PIPELINE if document.get("status") in ("rejected", "failed") else EXIT_OK


def run_fetch(args: argparse.Namespace, environ: Mapping[str, str], out: TextIO) -> int:
    deployment = _route_settings(args, environ)
    key = _results_key(args.key)
    out_dir = args.out or Path(posixpath.splitext(posixpath.basename(key))[0])
    return _wait_over_the_api(deployment, key, args, progress=Progress(quiet=args.quiet), out_dir=out_dir, out=out)


def run_video(args: argparse.Namespace, environ: Mapping[str, str], out: TextIO) -> int:
    if not args.folder.is_dir():
        raise UsageError(
            f"{args.folder} is not a folder; fetch the results into one first (client.py fetch KEY --out DIR)"
        )
    try:
        made = video_module.make_video(
            args.folder,
            args.out,
            burn_in=args.burn_in,
            language=args.language,
            say=lambda line: print(line, file=sys.stderr),
        )
    except video_module.VideoError as err:
        raise UsageError(str(err)) from None
    out.write(f"{made}\n")
    return EXIT_OK


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None, out: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    run = {"upload": run_upload, "status": run_status, "fetch": run_fetch, "video": run_video}[args.command]
    try:
        return run(args, os.environ if environ is None else environ, out or sys.stdout)
    except ClientFailure as failure:
        sys.stderr.write(f"client.py: error: {failure}\n")
        return failure.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130


if __name__ == "__main__":
    run_main(main, "client.py")
