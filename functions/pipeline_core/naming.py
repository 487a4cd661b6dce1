"""Every name the pipeline derives: Transcribe job names and the keys of every object it writes.

Names are deterministic functions of the uploaded object's identity, which is what makes both functions idempotent
under S3's at-least-once delivery and Lambda's async retries.

The identity of a job is the bucket, the key and the content (the ETag), and deliberately not the version id: on the
versioned audio bucket every upload is a new version, so a job name with the version in it would transcribe and
illustrate the same bytes again on every re-upload (and a replayed upload URL would cost a job each time). The same
bytes uploaded to the same key again get the same job name, so StartTranscriptionJob answers ConflictException and
nothing is paid twice. The ETag is the MD5 of the bytes for a single PUT; an upload in parts has an ETag of the parts
("<md5 of part md5s>-<parts>"), so the same bytes uploaded once whole and once in parts count as two contents.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import unicodedata

from pipeline_core.contract import CONTRACT

JOB_NAME_MAX = 200  # StartTranscriptionJob: TranscriptionJobName length 1-200, pattern ^[0-9a-zA-Z._-]+
HASH_CHARS = 12
JOB_NAME_PATTERN = re.compile(r"^[0-9a-zA-Z._-]{1,200}$")
_UNSAFE = re.compile(r"[^0-9a-zA-Z._-]+")


def media_format(key: str) -> str | None:
    """The Transcribe MediaFormat for a key's extension (any case), or None when Transcribe does not accept it.

    The extension is whatever follows the file name's last dot, as for the notification's suffix filter: a file named
    just ".mp3" passes that filter, so it must not be turned away here as having no extension.
    """
    name = posixpath.basename(key)
    if "." not in name:
        return None
    extension = name.rpartition(".")[2].lower()
    return extension if extension in CONTRACT.media_formats else None


def object_digest(bucket: str, key: str, etag: str) -> str:
    identity = "\n".join((bucket, key, etag.strip('"')))
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:HASH_CHARS]


def readable_part(key: str) -> str:
    """The key reduced to Transcribe's job-name alphabet: 'talks/Mein Vortrag.mp3' -> 'talks-Mein-Vortrag.mp3'."""
    # Accented letters keep their base letter (ü -> u) so the name stays recognisable; anything else becomes "-".
    decomposed = unicodedata.normalize("NFKD", key)
    ascii_key = "".join(c if c.isascii() else "" if unicodedata.combining(c) else " " for c in decomposed)
    return _UNSAFE.sub("-", ascii_key.replace("/", "-")).strip("-._")


def job_name(bucket: str, key: str, etag: str) -> str:
    """Deterministic, valid and unique per key and content: readable key + short hash of bucket, key and ETag."""
    digest = object_digest(bucket, key, etag)
    readable = readable_part(key)[: JOB_NAME_MAX - HASH_CHARS - 1].rstrip("-._") or "audio"
    return f"{readable}-{digest}"


def transcript_key(job: str) -> str:
    # Ends in "<name>.json" so that AWS and moto agree on where the transcript lands (aws-facts.md 1.7).
    return f"{CONTRACT.transcript_prefix}{job}{CONTRACT.transcript_suffix}"


def subtitle_key(job: str, subtitle_format: str) -> str:
    return f"{CONTRACT.transcript_prefix}{job}.{subtitle_format}"


def job_record_key(job: str) -> str:
    return f"{CONTRACT.job_record_prefix}{job}.json"


def rejection_key(job: str) -> str:
    return f"{CONTRACT.rejection_prefix}{job}.json"


def job_from_transcript_key(key: str) -> str | None:
    """Inverse of transcript_key; None for any other key (subtitles, Transcribe's write-access check file, ...)."""
    prefix, suffix = CONTRACT.transcript_prefix, CONTRACT.transcript_suffix
    if not (key.startswith(prefix) and key.endswith(suffix)):
        return None
    job = key[len(prefix) : -len(suffix)]
    return job if JOB_NAME_PATTERN.match(job) else None


def image_prefix(job: str) -> str:
    return f"{job}/"


def scene_image_key(job: str, index: int) -> str:
    return image_prefix(job) + CONTRACT.scene_image_pattern.format(index=index)


def manifest_key(job: str) -> str:
    return image_prefix(job) + CONTRACT.manifest_name


def gallery_key(job: str) -> str:
    return image_prefix(job) + CONTRACT.gallery_name


def recut_subtitle_key(job: str, language: str, subtitle_format: str) -> str:
    """<job>/subtitles.<lang>.srt|vtt next to the images; 'und' (BCP 47: undetermined) when the language is unknown."""
    return f"{image_prefix(job)}subtitles.{language or 'und'}.{subtitle_format}"


EVENT_MARKER_PREFIX = "events/"  # transcript bucket; outside the transcript notification's transcripts/ filter


def transcription_event_marker_key(job: str) -> str:
    """Transcript bucket: the transcription function's completion event for this job was sent (see completion.py)."""
    return f"{EVENT_MARKER_PREFIX}{job}.json"


def image_event_marker_key(job: str) -> str:
    """Image bucket: the image function's completion event for this job was sent (see completion.py)."""
    return image_prefix(job) + "completion-event.json"
