"""Following an upload through the buckets with the user's AWS credentials (--wait without the GET route)."""

from __future__ import annotations

import json
import posixpath
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline_client.errors import (
    ClientFailure,
    PipelineError,
    UsageError,
    WaitTimeoutError,
)
from pipeline_client.progress import Progress
from pipeline_client.settings import Deployment
from pipeline_core import naming
from pipeline_core.contract import CONTRACT
from pipeline_core.units import format_duration


@dataclass
class Followed:
    job: str
    manifest: dict[str, Any]
    transcript_keys: dict[str, str]  # "json"/"srt"/"vtt" -> key, for the ones that exist
    stage_seconds: dict[str, float] = field(default_factory=dict)  # stage -> seconds since following began


def _error_code(err: Exception) -> str:
    response = getattr(err, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def _exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except Exception as err:
        if _error_code(err) in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def _read_json(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except Exception as err:
        if _error_code(err) in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    document = json.loads(body)
    return document if isinstance(document, dict) else None


def candidate_jobs(bucket: str, key: str, head: Mapping[str, Any]) -> list[str]:
    """The job names the transcription function may have given the upload: one, from the key and the content (the
    version id is not part of a job's identity, so a re-upload of the same bytes finds the earlier job's results)."""
    return [naming.job_name(bucket, key, str(head.get("ETag", "")).strip('"'))]


def follow(
    key: str,
    deployment: Deployment,
    s3: Any,
    *,
    transcribe: Any = None,
    timeout: float = 1800.0,
    poll_seconds: float = 5.0,
    progress: Progress | None = None,
    give_up: Callable[[], str | None] | None = None,
) -> Followed:
    """Wait until the image function has written the manifest for the uploaded `key`; raise on rejection, failure
    or timeout. `transcribe` (optional) lets a FAILED Transcribe job end the wait at once instead of timing out;
    `give_up` (optional) returns the reason the result will never come (e.g. the event is in a dead-letter queue)."""
    progress = progress or Progress(quiet=True)
    audio, transcripts, images = deployment.audio_bucket, deployment.transcript_bucket, deployment.image_bucket
    if not (audio and transcripts and images):
        missing = [n for n, v in (("audio", audio), ("transcript", transcripts), ("image", images)) if not v]
        raise UsageError(
            f"--wait needs the bucket names ({', '.join(missing)} missing): pass --{missing[0]}-bucket or set "
            f"PIPELINE_{missing[0].upper()}_BUCKET, or run where `terraform output` knows the deployment"
        )
    try:
        head = s3.head_object(Bucket=audio, Key=key)
    except Exception as err:
        raise ClientFailure(f"cannot read s3://{audio}/{key} with your AWS credentials: {err}") from None
    candidates = candidate_jobs(audio, key, head)
    deadline = time.monotonic() + timeout
    stages: dict[str, float] = {}
    job: str | None = None
    transcript_ready = False
    images_seen = -1
    retry_note: str | None = None
    check_transcribe = transcribe is not None
    progress.stage(f"following s3://{audio}/{key}")
    while True:
        # A rejection record can appear before the job starts (format, size, length) or after it (Transcribe failed
        # the job), so it is looked for until the transcript exists.
        for name in candidates if job is None else [] if transcript_ready else [job]:
            rejection = _read_json(s3, transcripts, naming.rejection_key(name))
            if rejection is not None:
                raise PipelineError(
                    f"the transcription function rejected {key}: {rejection.get('reason')}: "
                    f"{rejection.get('detail')} (s3://{transcripts}/{naming.rejection_key(name)})"
                )
        if job is None:
            for name in candidates:
                if _exists(s3, transcripts, naming.job_record_key(name)):
                    job = name
                    stages["job started"] = progress.elapsed()
                    progress.stage(f"transcription job started: {job}")
                    break
        if job is not None and not transcript_ready:
            if _exists(s3, transcripts, naming.transcript_key(job)):
                transcript_ready = True
                stages["transcript"] = progress.elapsed()
                progress.stage(f"transcript written: s3://{transcripts}/{naming.transcript_key(job)}")
            elif check_transcribe:
                check_transcribe = _check_transcription_job(transcribe, job)
        if transcript_ready and job is not None:
            manifest = _read_json(s3, images, naming.manifest_key(job))
            if manifest is not None and not manifest.get("retryable"):
                stages["manifest"] = progress.elapsed()
                return _finished(s3, deployment, job, manifest, stages=stages, progress=progress)
            if manifest is not None and manifest.get("reason") != retry_note:
                # Every scene failed for a transient reason; Lambda retries the event, so keep waiting.
                retry_note = manifest.get("reason")
                progress.stage(f"images failed for now, the event is retried: {retry_note}")
            count = _count_images(s3, images, job)
            if count != images_seen:
                if count:
                    progress.stage(f"images written so far: {count}")
                images_seen = count
        if give_up is not None and (reason := give_up()):
            raise PipelineError(reason)
        if time.monotonic() > deadline:
            waiting_for = (
                "the transcription job to start"
                if job is None
                else ("the transcript" if not transcript_ready else "the images and manifest")
            )
            last = f"; the last manifest says: {retry_note}" if retry_note else ""
            raise WaitTimeoutError(
                f"gave up after {format_duration(timeout)} waiting for {waiting_for} of {key}{last}; the pipeline "
                "may still finish (run again with a longer --timeout)"
            )
        progress.waiting(
            "the transcription job" if job is None else "the transcript" if not transcript_ready else "the images"
        )
        time.sleep(poll_seconds)


def _check_transcription_job(transcribe: Any, job: str) -> bool:
    """Raise if the job FAILED; False when the caller may not read jobs (then only the buckets are watched)."""
    try:
        status = transcribe.get_transcription_job(TranscriptionJobName=job)["TranscriptionJob"]
    except Exception as err:
        if _error_code(err) in ("AccessDeniedException", "AccessDenied", "UnrecognizedClientException"):
            return False
        if _error_code(err) == "BadRequestException":  # not visible yet
            return True
        raise
    if status.get("TranscriptionJobStatus") == "FAILED":
        reason = status.get("FailureReason") or _listed_failure_reason(transcribe, job) or "no reason given"
        raise PipelineError(f"Amazon Transcribe could not transcribe the file: {reason} (job {job})")
    return True


def _listed_failure_reason(transcribe: Any, job: str) -> str | None:
    """The FailureReason as ListTranscriptionJobs gives it (moto's GetTranscriptionJob leaves it out)."""
    try:
        page = transcribe.list_transcription_jobs(JobNameContains=job, Status="FAILED")
    except Exception:
        return None
    return next(
        (
            s.get("FailureReason")
            for s in page.get("TranscriptionJobSummaries", [])
            if s.get("TranscriptionJobName") == job
        ),
        None,
    )


def _count_images(s3: Any, bucket: str, job: str) -> int:
    response = s3.list_objects_v2(Bucket=bucket, Prefix=naming.image_prefix(job))
    return sum(1 for item in response.get("Contents", []) if item["Key"].endswith(".png"))


def _finished(
    s3: Any,
    deployment: Deployment,
    job: str,
    manifest: dict[str, Any],
    *,
    stages: dict[str, float],
    progress: Progress,
) -> Followed:
    status = manifest.get("status")
    ok = [scene for scene in manifest.get("scenes", []) if scene.get("status") == "ok"]
    progress.stage(
        f"manifest written: status {status}, {len(ok)} of {len(manifest.get('scenes', []))} scenes illustrated"
    )
    transcript_keys = {"json": naming.transcript_key(job)}
    for fmt in CONTRACT.subtitle_formats:
        if _exists(s3, str(deployment.transcript_bucket), naming.subtitle_key(job, fmt)):
            transcript_keys[fmt] = naming.subtitle_key(job, fmt)
    followed = Followed(job, manifest, transcript_keys, stages)
    if status == "failed":
        raise PipelineError(f"the image function could not illustrate the transcript: {manifest.get('reason')}")
    return followed


def download(s3: Any, deployment: Deployment, followed: Followed, out_dir: Path) -> list[Path]:
    """Transcript, subtitles, images, manifest and gallery into `out_dir`, side by side as the gallery expects."""
    out_dir.mkdir(parents=True, exist_ok=True)
    wanted: list[tuple[str, str, str]] = [
        (str(deployment.transcript_bucket), key, f"transcript.{fmt}") for fmt, key in followed.transcript_keys.items()
    ]
    for scene in followed.manifest.get("scenes", []):
        if scene.get("status") == "ok" and scene.get("image_key"):
            wanted.append((str(deployment.image_bucket), scene["image_key"], posixpath.basename(scene["image_key"])))
    wanted.append((str(deployment.image_bucket), naming.manifest_key(followed.job), CONTRACT.manifest_name))
    wanted.append((str(deployment.image_bucket), naming.gallery_key(followed.job), CONTRACT.gallery_name))
    written = []
    for bucket, key, name in wanted:
        target = out_dir / name
        target.write_bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        written.append(target)
    return written


def aws_clients(deployment: Deployment) -> tuple[Any, Any]:
    """S3 and Transcribe clients with the user's credentials, in the deployment's Region when the URL tells it."""
    import boto3

    session = boto3.session.Session(region_name=deployment.region) if deployment.region else boto3.session.Session()
    return session.client("s3"), session.client("transcribe")
