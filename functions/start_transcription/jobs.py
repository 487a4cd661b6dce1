"""Pure logic of the transcription function: settings, record checks and the StartTranscriptionJob request.

Nothing here calls AWS, so every rule is tested without mocks; handler.py does the calls.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline_core import naming
from pipeline_core.config import ConfigError, env_int, env_list, env_log_level, env_str
from pipeline_core.contract import CONTRACT
from pipeline_core.s3_events import S3Object
from start_transcription.controls import Controls, control_parameters, load_controls

STAGE = "transcription"

# Reason codes written into rejection records; stable, so users and alarms can match on them.
UNSUPPORTED_FORMAT = "unsupported-format"
EMPTY_OBJECT = "empty-object"
TOO_LARGE = "too-large"
OBJECT_MISSING = "object-missing"
TOO_LONG = "too-long"
REQUEST_REJECTED = "transcribe-rejected-request"
TRANSCRIPTION_FAILED = "transcription-failed"

MAX_MEDIA_BYTES = 2 * 1024**3  # Transcribe batch limit: 2 GB per file (aws-facts.md 1.4)
MAX_MEDIA_SECONDS = 14_400  # Transcribe batch limit: 4 h per file (aws-facts.md 1.4)
DEFAULT_MAX_AUDIO_SECONDS = 7_200  # the module's default for max_audio_seconds
MAX_SPEAKERS = 30  # Settings.MaxSpeakerLabels: 2-30

# Every one of Transcribe's 117 batch language codes has this shape (en-US, ast-ES, zh-TW, ...). Checking the shape
# rather than a copied list keeps newly added languages usable without a code change.
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}-[A-Z]{2}$")
# OutputBucketName pattern from the StartTranscriptionJob model; it also catches an "s3://" or "arn:" prefix.
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$")
# A key or alias ARN: Transcribe takes both; the module passes the key's.
_KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/[\w/+=,.@-]+$")


@dataclass(frozen=True)
class Settings:
    """The function's validated environment, as the module sets it (main.tf: local.transcription_environment)."""

    transcript_bucket: str
    language_code: str | None  # None: automatic language identification
    language_options: tuple[str, ...]  # narrows identification; empty or at least two codes
    max_speaker_labels: int  # 0: no speaker labels
    log_level: str
    max_audio_seconds: int = DEFAULT_MAX_AUDIO_SECONDS  # longer audio is rejected before a job starts
    data_access_role_arn: str | None = None  # set: jobs may wait in Transcribe's queue (deferred execution)
    output_kms_key_arn: str | None = None  # set: Transcribe encrypts its output with this key
    controls: Controls = field(default_factory=Controls)  # vocabulary, vocabulary filter, PII redaction


@dataclass(frozen=True)
class Accepted:
    media_format: str


@dataclass(frozen=True)
class Rejected:
    reason: str  # one of the reason codes above
    detail: str  # what was wrong and what is expected, for the person who uploaded the file
    facts: tuple[tuple[str, Any], ...] = ()  # machine-readable figures added to the rejection record


def _language_code(name: str, value: str) -> str:
    if not _LANGUAGE_CODE.match(value):
        raise ConfigError(f"environment variable {name} must hold language codes such as en-US or de-DE, got {value!r}")
    return value


def _optional_arn(name: str, pattern: re.Pattern[str], what: str, environ: Mapping[str, str] | None) -> str | None:
    value = env_str(name, "", environ=environ)
    if value and not pattern.match(value):
        raise ConfigError(f"environment variable {name} must be {what}, got {value!r}")
    return value or None


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the environment; raises ConfigError naming the variable at fault."""
    bucket = env_str("TRANSCRIPT_BUCKET", environ=environ)
    if not _BUCKET_NAME.match(bucket):
        raise ConfigError(f"environment variable TRANSCRIPT_BUCKET must be a bare S3 bucket name, got {bucket!r}")

    code = env_str("LANGUAGE_CODE", "", environ=environ)
    language_code = _language_code("LANGUAGE_CODE", code) if code else None
    listed = env_list("LANGUAGE_OPTIONS", environ=environ)
    options = tuple(dict.fromkeys(_language_code("LANGUAGE_OPTIONS", option) for option in listed))  # drop repeats
    if language_code and options:
        raise ConfigError(
            "environment variables LANGUAGE_CODE and LANGUAGE_OPTIONS exclude each other: LANGUAGE_OPTIONS narrows "
            f"automatic identification, which LANGUAGE_CODE={language_code} turns off; set only one of them"
        )
    if len(options) == 1:
        raise ConfigError(
            f"environment variable LANGUAGE_OPTIONS must list at least two languages, got only {options[0]}; "
            f"for a single language set LANGUAGE_CODE={options[0]} instead"
        )

    speakers = env_int("MAX_SPEAKER_LABELS", 0, minimum=0, maximum=MAX_SPEAKERS, environ=environ)
    if speakers == 1:
        raise ConfigError(
            f"environment variable MAX_SPEAKER_LABELS must be 0 (no speaker labels) or 2-{MAX_SPEAKERS}, got 1"
        )

    log_level = env_log_level(environ=environ)
    max_seconds = env_int(
        "MAX_AUDIO_SECONDS", DEFAULT_MAX_AUDIO_SECONDS, minimum=1, maximum=MAX_MEDIA_SECONDS, environ=environ
    )
    role = _optional_arn(
        "DATA_ACCESS_ROLE_ARN", _ROLE_ARN, "an IAM role ARN (arn:aws:iam::<account>:role/<name>)", environ
    )
    key = _optional_arn(
        "OUTPUT_KMS_KEY_ARN", _KMS_KEY_ARN, "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)", environ
    )

    return Settings(
        transcript_bucket=bucket,
        language_code=language_code,
        language_options=options,
        max_speaker_labels=speakers,
        log_level=log_level,
        max_audio_seconds=max_seconds,
        data_access_role_arn=role,
        output_kms_key_arn=key,
        controls=load_controls(language_code, environ),
    )


def classify(obj: S3Object) -> Accepted | Rejected:
    """Whether Transcribe can take the object, judged from its key and size alone (size None: not known yet)."""
    media_format = naming.media_format(obj.key)
    if media_format is None:
        name = posixpath.basename(obj.key)
        extension = "." + name.rpartition(".")[2] if "." in name else ""
        found = f"extension '{extension}'" if extension else "no file extension"
        return Rejected(
            UNSUPPORTED_FORMAT,
            f"{found}; Amazon Transcribe accepts {', '.join(sorted(CONTRACT.media_formats))} (any letter case)",
        )
    if obj.size == 0:
        return Rejected(EMPTY_OBJECT, "the uploaded object is empty (0 bytes)")
    if obj.size is not None and obj.size > MAX_MEDIA_BYTES:
        return Rejected(TOO_LARGE, f"the object has {obj.size} bytes; Amazon Transcribe accepts at most 2 GB per file")
    return Accepted(media_format)


def _clock(seconds: float) -> str:
    """1 h 02 min 05 s, 4 min 10 s, 12 s: a length as the person who uploaded the file reads it."""
    whole = round(seconds)
    hours, minutes, rest = whole // 3600, whole // 60 % 60, whole % 60
    if hours:
        return f"{hours} h {minutes:02d} min {rest:02d} s"
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def check_duration(seconds: float | None, method: str, settings: Settings) -> Rejected | None:
    """A rejection when the measured length is over the cap; None when it is within, or unknown (Transcribe decides
    then: it fails jobs over its own 4 h limit)."""
    if seconds is None or seconds <= settings.max_audio_seconds:
        return None
    cap = settings.max_audio_seconds
    raise_to = (
        f"raise the module variable max_audio_seconds (MAX_AUDIO_SECONDS, at most {MAX_MEDIA_SECONDS} s, "
        "Amazon Transcribe's own limit) to accept it"
        if cap < MAX_MEDIA_SECONDS
        else "Amazon Transcribe takes at most 4 h per file: split the recording"
    )
    return Rejected(
        TOO_LONG,
        f"the audio is {_clock(seconds)} long ({seconds:.1f} s, {method}); this deployment accepts at most "
        f"{_clock(cap)} ({cap} s): {raise_to}",
        (("duration_seconds", round(seconds, 3)), ("max_audio_seconds", cap)),
    )


def job_name_for(obj: S3Object) -> str:
    return naming.job_name(obj.bucket, obj.key, obj.etag)


def is_superseded(obj: S3Object, current_etag: str, current_version_id: str | None) -> bool:
    """True when the key now holds a newer object than the event names (overwritten since the event was sent).

    The newer object has its own event, which starts its own job; transcribing it under this event's name would
    produce the same output twice under two names.
    """
    if obj.version_id and current_version_id:
        return current_version_id != obj.version_id
    return bool(obj.etag) and current_etag.strip('"') != obj.etag


def language_parameters(settings: Settings) -> dict[str, Any]:
    """Exactly one of LanguageCode or IdentifyLanguage: both together is a BadRequestException (aws-facts.md 1.1)."""
    if settings.language_code:
        return {"LanguageCode": settings.language_code}
    parameters: dict[str, Any] = {"IdentifyLanguage": True}
    if settings.language_options:
        parameters["LanguageOptions"] = list(settings.language_options)
    return parameters


def build_start_request(obj: S3Object, media_format: str, settings: Settings) -> dict[str, Any]:
    """Keyword arguments of StartTranscriptionJob for one accepted object."""
    job = job_name_for(obj)
    request: dict[str, Any] = {
        "TranscriptionJobName": job,
        # The key as stored: Transcribe reads the object itself, so it must not be URL-encoded again.
        "Media": {"MediaFileUri": f"s3://{obj.bucket}/{obj.key}"},
        "MediaFormat": media_format,
        "OutputBucketName": settings.transcript_bucket,
        # A key ending in "<name>.json" puts the .srt and .vtt next to it with the same base name, on AWS and moto.
        "OutputKey": naming.transcript_key(job),
        "Subtitles": {
            "Formats": list(CONTRACT.subtitle_formats),
            "OutputStartIndex": CONTRACT.subtitle_start_index,
        },
        **language_parameters(settings),
    }
    if settings.max_speaker_labels:
        request["Settings"] = {"ShowSpeakerLabels": True, "MaxSpeakerLabels": settings.max_speaker_labels}
    if settings.data_access_role_arn:
        # Over the concurrent-job quota the job waits in Transcribe's queue instead of failing with
        # LimitExceededException. A queued job runs later, without the caller's session, so Transcribe reads and
        # writes S3 with this role; AllowDeferredExecution requires it (JobExecutionSettings, aws-facts.md 1.1).
        request["JobExecutionSettings"] = {
            "AllowDeferredExecution": True,
            "DataAccessRoleArn": settings.data_access_role_arn,
        }
    if settings.output_kms_key_arn:
        # Without it Transcribe writes its output with SSE-S3, whatever the bucket's default encryption says.
        request["OutputEncryptionKMSKeyId"] = settings.output_kms_key_arn
    controls = control_parameters(settings.controls)
    extra_settings = controls.pop("Settings", {})
    if extra_settings:
        request["Settings"] = {**request.get("Settings", {}), **extra_settings}
    request.update(controls)
    return request


def job_record(
    obj: S3Object, request: Mapping[str, Any], started_at: datetime, audio_seconds: float | None = None
) -> dict[str, Any]:
    """What jobs/<job>.json holds: where the audio came from and where every output of the job will appear."""
    job = request["TranscriptionJobName"]
    return {
        "job_name": job,
        "audio_bucket": obj.bucket,
        "audio_key": obj.key,
        "etag": obj.etag,
        "version_id": obj.version_id,
        "size": obj.size,
        "media_format": request["MediaFormat"],
        "transcript_bucket": request["OutputBucketName"],
        "transcript_key": request["OutputKey"],
        "subtitle_keys": {fmt: naming.subtitle_key(job, fmt) for fmt in request["Subtitles"]["Formats"]},
        "language_code": request.get("LanguageCode"),
        "identify_language": bool(request.get("IdentifyLanguage", False)),
        "language_options": list(request.get("LanguageOptions", [])),
        "max_speaker_labels": request.get("Settings", {}).get("MaxSpeakerLabels", 0),
        "audio_seconds": None if audio_seconds is None else round(audio_seconds, 3),  # None: not measured
        "deferred_execution": bool(request.get("JobExecutionSettings", {}).get("AllowDeferredExecution", False)),
        "started_at": started_at.isoformat(timespec="seconds"),
    }
