"""Job names and object keys: valid for Transcribe, deterministic, unique per object version, and laid out so that the
triggers never fire on the pipeline's own writes."""

from __future__ import annotations

import posixpath
import re

import botocore.session
import pytest

from pipeline_core import naming
from pipeline_core.contract import CONTRACT

_TRANSCRIBE = botocore.session.get_session().get_service_model("transcribe")
# The constraints as AWS publishes them, not as naming.py restates them.
NAME_SHAPE = _TRANSCRIBE.shape_for("TranscriptionJobName")
NAME_PATTERN = re.compile(NAME_SHAPE.metadata["pattern"] + "$")
NAME_MAX = NAME_SHAPE.metadata["max"]
OUTPUT_KEY_PATTERN = re.compile(_TRANSCRIBE.shape_for("OutputKey").metadata["pattern"])

S3_KEY_MAX_BYTES = 1024

KEYS = [
    "talk.mp3",
    "uploads/Mein Vortrag.mp3",
    "uploads/a+b=c&d.wav",
    "100% sure.flac",
    "🎤🎶 live.m4a",
    "한국어 강의/첫 번째.ogg",
    "Müller \u2013 Œuvre.webm",  # en dash
    "...mp3",
    "---",
    "🎤",
    "x" * S3_KEY_MAX_BYTES,
    "a/" * 508 + "b.mp3",  # 1021 bytes of nested folders
    "é" * 510 + ".mp3",  # 1024 bytes: two bytes per character
    "😀" * 255 + ".mp3",  # 1024 bytes: four bytes per character
    "한" * 340 + ".mp3",  # 1024 bytes: three bytes per character
]


@pytest.mark.parametrize("key", KEYS)
def test_job_name_is_valid_for_transcribe(key: str) -> None:
    assert len(key.encode("utf-8")) <= S3_KEY_MAX_BYTES
    name = naming.job_name("audio-bucket", key, "9dd4e461268c8034f5c8564e155c67a6")
    assert NAME_PATTERN.match(name), name
    assert 1 <= len(name) <= NAME_MAX
    assert naming.JOB_NAME_PATTERN.match(name)


@pytest.mark.parametrize("key", KEYS)
def test_every_key_derived_from_a_job_name_is_a_valid_output_key(key: str) -> None:
    name = naming.job_name("audio-bucket", key, "etag")
    assert OUTPUT_KEY_PATTERN.match(naming.transcript_key(name))
    assert len(naming.transcript_key(name)) <= 1024


def test_job_name_is_deterministic() -> None:
    first = naming.job_name("audio-bucket", "uploads/Mein Vortrag.mp3", "abc")
    again = naming.job_name("audio-bucket", "uploads/Mein Vortrag.mp3", "abc")
    assert first == again


def test_quoted_and_bare_etags_name_the_same_job() -> None:
    # S3 events carry the ETag bare, HeadObject quoted.
    assert naming.job_name("b", "k.mp3", '"abc"') == naming.job_name("b", "k.mp3", "abc")


@pytest.mark.parametrize(
    "changed",
    [
        {"bucket": "other-bucket"},
        {"key": "uploads/Mein Vortrag 2.mp3"},
        {"etag": "def"},
    ],
)
def test_job_name_changes_with_every_part_of_the_object_identity(changed: dict[str, str]) -> None:
    identity = {"bucket": "audio-bucket", "key": "uploads/Mein Vortrag.mp3", "etag": "abc"}
    assert naming.job_name(**identity) != naming.job_name(**{**identity, **changed})


def test_the_same_content_uploaded_again_to_the_same_key_is_the_same_job() -> None:
    # A versioned bucket gives every upload a new version id; the job's identity is the key and the content.
    assert naming.job_name("audio-bucket", "talk.mp3", "abc") == naming.job_name("audio-bucket", "talk.mp3", '"abc"')


def test_keys_that_read_the_same_still_get_different_names() -> None:
    keys = ["a b.mp3", "a+b.mp3", "a%b.mp3", "a-b.mp3", "a/b.mp3", "a?b.mp3", "a🎤b.mp3"]
    readable = {naming.readable_part(key) for key in keys}
    assert readable == {"a-b.mp3"}
    names = {naming.job_name("bucket", key, "etag") for key in keys}
    assert len(names) == len(keys)


def test_long_keys_that_differ_only_after_the_cut_get_different_names() -> None:
    first = naming.job_name("bucket", "x" * 1000 + "-part1.mp3", "etag")
    second = naming.job_name("bucket", "x" * 1000 + "-part2.mp3", "etag")
    assert first != second
    assert len(first) == len(second) == NAME_MAX


def test_name_keeps_a_recognisable_part_of_the_key_and_ends_in_the_short_hash() -> None:
    name = naming.job_name("bucket", "talks/Müller Vortrag.mp3", "etag")
    readable, _, digest = name.rpartition("-")
    assert readable == "talks-Muller-Vortrag.mp3"
    assert re.fullmatch(rf"[0-9a-f]{{{naming.HASH_CHARS}}}", digest)
    assert digest == naming.object_digest("bucket", "talks/Müller Vortrag.mp3", "etag")


@pytest.mark.parametrize("key", ["🎤", "한국어", "///", "---", "..."])
def test_key_without_any_usable_character_still_gets_a_name(key: str) -> None:
    name = naming.job_name("bucket", key, "etag")
    assert NAME_PATTERN.match(name)
    assert name.startswith("audio-")


@pytest.mark.parametrize("media_format", CONTRACT.media_formats)
@pytest.mark.parametrize("spell", [str.lower, str.upper, str.title])
def test_media_format_accepts_every_contract_format_in_any_case(media_format: str, spell: object) -> None:
    key = f"uploads/my talk.{spell(media_format)}"  # type: ignore[operator]
    assert naming.media_format(key) == media_format


@pytest.mark.parametrize("key", ["notes.txt", "mp3", "talk.mp3.txt", "folder.mp3/readme", "talk.", "talk.mp33", ""])
def test_media_format_rejects_anything_else(key: str) -> None:
    assert naming.media_format(key) is None


@pytest.mark.parametrize(("key", "expected"), [(".mp3", "mp3"), ("talks/.WAV", "wav"), ("a.b/.c.flac", "flac")])
def test_a_name_that_is_only_an_extension_still_has_that_extension(key: str, expected: str) -> None:
    # The notification's suffix filter (".mp3") delivers such a key; turning it away as extension-less would be wrong.
    assert naming.media_format(key) == expected


def test_transcript_and_subtitles_share_one_base_name() -> None:
    job = naming.job_name("bucket", "talk.mp3", "etag")
    transcript = naming.transcript_key(job)
    # Transcribe and moto agree only on an OutputKey that ends in "<name>.json" (aws-facts.md 1.7).
    assert transcript.endswith(f"/{job}.json")
    assert transcript.startswith(CONTRACT.transcript_prefix)
    base = posixpath.splitext(transcript)[0]
    for subtitle_format in CONTRACT.subtitle_formats:
        assert naming.subtitle_key(job, subtitle_format) == f"{base}.{subtitle_format}"


def test_job_from_transcript_key_inverts_transcript_key() -> None:
    for key in KEYS:
        job = naming.job_name("bucket", key, "etag")
        assert naming.job_from_transcript_key(naming.transcript_key(job)) == job


def test_job_from_transcript_key_ignores_every_other_object() -> None:
    job = naming.job_name("bucket", "talk.mp3", "etag")
    others = [
        naming.subtitle_key(job, "srt"),
        naming.subtitle_key(job, "vtt"),
        naming.job_record_key(job),
        naming.rejection_key(job),
        f"{CONTRACT.transcript_prefix}.write_access_check_file.temp",
        f"{CONTRACT.transcript_prefix}bad name.json",
        f"{CONTRACT.transcript_prefix}nested/{job}.json",
        f"{CONTRACT.transcript_prefix}.json",
        f"{job}.json",
    ]
    for key in others:
        assert naming.job_from_transcript_key(key) is None, key


def test_records_the_pipeline_writes_are_outside_the_image_trigger() -> None:
    # The image function fires on transcript_prefix + transcript_suffix; job and rejection records must never match.
    job = naming.job_name("bucket", "talk.mp3", "etag")
    for key in (naming.job_record_key(job), naming.rejection_key(job)):
        assert not key.startswith(CONTRACT.transcript_prefix)
        assert naming.job_from_transcript_key(key) is None


def test_image_keys_live_under_the_job_and_sort_in_scene_order() -> None:
    job = naming.job_name("bucket", "talk.mp3", "etag")
    scenes = [naming.scene_image_key(job, index) for index in range(1, 120)]
    assert all(key.startswith(naming.image_prefix(job)) for key in scenes)
    assert sorted(scenes) == scenes
    assert len(set(scenes)) == len(scenes)
    assert naming.manifest_key(job) == naming.image_prefix(job) + CONTRACT.manifest_name
    assert naming.gallery_key(job) == naming.image_prefix(job) + CONTRACT.gallery_name
