"""The results route's rules: the state of an upload derived from the objects the pipeline wrote, its links, and
refusals that name the field."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from pipeline_core import naming
from pipeline_core.config import ConfigError
from read_results import results

SETTINGS = results.Settings("aud", "trn", "img", 900, "INFO")
KEY = "talks/talk.mp3"
ETAG, VERSION = "0123abcd", "v-1"


class FakeStore:
    def __init__(self, objects: dict[tuple[str, str], Any], *, version: str | None = VERSION) -> None:
        self.objects = {k: v if isinstance(v, bytes) else json.dumps(v).encode() for k, v in objects.items()}
        self.version = version

    def head(self, bucket: str, key: str) -> dict[str, Any] | None:
        if (bucket, key) not in self.objects:
            return None
        return {"ETag": f'"{ETAG}"', "VersionId": self.version, "LastModified": datetime(2026, 12, 1, tzinfo=UTC)}

    def read(self, bucket: str, key: str) -> bytes | None:
        return self.objects.get((bucket, key))

    def url(self, bucket: str, key: str) -> str:
        return f"https://signed.example/{bucket}/{key}"


JOB = naming.job_name("aud", KEY, ETAG)
UPLOAD = {("aud", KEY): b"ID3"}
RECORD = {("trn", naming.job_record_key(JOB)): {"started_at": "2026-12-01T00:00:01+00:00", "subtitle_keys": {}}}
TRANSCRIPT = {("trn", naming.transcript_key(JOB)): {"results": {}}}


def manifest(status: str, **extra: Any) -> dict[tuple[str, str], Any]:
    document = {
        "status": status,
        "reason": extra.pop("reason", None),
        "retryable": extra.pop("retryable", False),
        "language_code": "ko-KR",
        "transcript_bucket": "trn",
        "subtitle_keys": {"srt": naming.subtitle_key(JOB, "srt"), "vtt": naming.subtitle_key(JOB, "vtt")},
        "counts": {"ok": 1, "filtered": 0, "failed": 0},
        "started_at": "2026-12-01T00:00:05+00:00",
        "finished_at": "2026-12-01T00:00:09+00:00",
        "scenes": [{"index": 1, "start": 0.0, "end": 5.0, "status": "ok", "image_key": naming.scene_image_key(JOB, 1)}],
        **extra,
    }
    return {("img", naming.manifest_key(JOB)): document}


def answer(store: FakeStore, query: dict[str, str] | None = None, name: str = "talk.mp3") -> tuple[int, Any]:
    event = {"pathParameters": {"folder": "talks", "object": name}, "queryStringParameters": query}
    response = results.respond(event, store, SETTINGS).response
    body = response["body"]
    return response["statusCode"], json.loads(body) if response["headers"][
        "Content-Type"
    ] == "application/json" else body


@pytest.mark.parametrize(
    ("objects", "status", "reason"),
    [
        (UPLOAD, "uploaded", None),
        (UPLOAD | RECORD, "transcribing", None),
        (UPLOAD | RECORD | TRANSCRIPT, "illustrating", None),
        (
            UPLOAD | RECORD | TRANSCRIPT | manifest("failed", retryable=True, reason="throttled"),
            "illustrating",
            "throttled",
        ),
        (UPLOAD | RECORD | TRANSCRIPT | manifest("complete"), "complete", None),
        (UPLOAD | RECORD | TRANSCRIPT | manifest("partial", reason="1 filtered"), "partial", "1 filtered"),
        (UPLOAD | RECORD | TRANSCRIPT | manifest("failed", reason="no image"), "failed", "no image"),
        (UPLOAD | RECORD | TRANSCRIPT | manifest("no speech", reason="silent"), "complete", "silent"),
    ],
)
def test_state_follows_the_objects_the_pipeline_wrote(objects: dict, status: str, reason: str | None) -> None:
    code, document = answer(FakeStore(objects))
    assert code == 200
    assert (document["status"], document["reason"]) == (status, reason)
    assert document["job_name"] == (None if status == "uploaded" else JOB)


def test_rejection_record_gives_rejected_with_its_reason_and_detail() -> None:
    record = {"reason": "empty-file", "detail": "the file has 0 bytes", "rejected_at": "2026-12-01T00:00:02+00:00"}
    code, document = answer(FakeStore(UPLOAD | RECORD | {("trn", naming.rejection_key(JOB)): record}))
    assert code == 200
    assert (document["status"], document["reason"], document["detail"]) == ("rejected", "empty-file", record["detail"])
    assert document["timestamps"]["rejected_at"] == record["rejected_at"]
    assert set(document["links"]) == {"audio"}


@pytest.mark.parametrize("version", [None, "v-2"])
def test_the_job_follows_key_and_content_whatever_the_version(version: str | None) -> None:
    """Unversioned bucket, or a later version of the same bytes: the same job (the version is not its identity)."""
    code, document = answer(FakeStore(UPLOAD | RECORD, version=version))
    assert (code, document["status"], document["job_name"]) == (200, "transcribing", JOB)


def test_complete_links_cover_audio_transcript_subtitles_images_manifest_and_player() -> None:
    tracks = [
        {
            "language": "en",
            "kind": "translation",
            "status": "ok",
            "srt_key": f"{JOB}/subtitles.en.srt",
            "vtt_key": f"{JOB}/subtitles.en.vtt",
        }
    ]
    code, document = answer(FakeStore(UPLOAD | RECORD | TRANSCRIPT | manifest("complete", subtitle_tracks=tracks)))
    assert code == 200
    links = document["links"]
    signed = "https://signed.example/"
    assert links["audio"] == f"{signed}aud/{KEY}"
    assert links["transcript"] == f"{signed}trn/{naming.transcript_key(JOB)}"
    assert links["manifest"] == f"{signed}img/{naming.manifest_key(JOB)}"
    assert links["player"] == f"{signed}img/{naming.gallery_key(JOB)}"
    assert links["images"] == [
        {"index": 1, "start": 0.0, "end": 5.0, "url": f"{signed}img/{naming.scene_image_key(JOB, 1)}"}
    ]
    assert [(s["language"], s["kind"], s["format"]) for s in links["subtitles"]] == [
        ("ko-KR", "transcribe", "srt"),
        ("ko-KR", "transcribe", "vtt"),
        ("en", "translation", "srt"),
        ("en", "translation", "vtt"),
    ]
    assert document["counts"] == {"ok": 1, "filtered": 0, "failed": 0}
    assert document["timestamps"]["finished_at"] == "2026-12-01T00:00:09+00:00"
    assert document["timestamps"]["uploaded_at"] == "2026-12-01T00:00:00+00:00"


def test_html_is_the_player_with_presigned_links() -> None:
    vtt = {("trn", naming.subtitle_key(JOB, "vtt")): b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhello\n"}
    code, html = answer(FakeStore(UPLOAD | RECORD | TRANSCRIPT | manifest("complete") | vtt), {"format": "html"})
    assert code == 200
    assert f'src="https://signed.example/aud/{KEY}"' in html
    assert f'"image":"https://signed.example/img/{naming.scene_image_key(JOB, 1)}"' in html
    assert '[1.0,2.0,"hello"]' in html


def test_html_before_the_manifest_is_a_status_page() -> None:
    code, html = answer(FakeStore(UPLOAD | RECORD), {"format": "html"})
    assert code == 200
    assert "Status: transcribing" in html


def test_unknown_key_is_404_json() -> None:
    code, document = answer(FakeStore({}))
    assert code == 404
    assert document["key"] == KEY


@pytest.mark.parametrize(
    ("query", "name", "field"),
    [
        ({"format": "pdf"}, "talk.mp3", "format"),
        ({"size": "1"}, "talk.mp3", "query"),
        (None, "talk.txt", "object"),
        (None, "..", "object"),
        (None, "talk.Mp3", "object"),
    ],
)
def test_refusals_are_400_naming_the_field(query: dict | None, name: str, field: str) -> None:
    code, document = answer(FakeStore(UPLOAD), query, name)
    assert code == 400
    assert document["message"].startswith(f"{field}: ")


@pytest.mark.parametrize(
    ("value", "words"), [("3601", "at most 3600"), ("59", "at least 60"), ("soon", "whole number")]
)
def test_expiry_setting_is_checked(value: str, words: str) -> None:
    environ = {"AUDIO_BUCKET": "a", "TRANSCRIPT_BUCKET": "t", "IMAGE_BUCKET": "i", "URL_EXPIRY_SECONDS": value}
    with pytest.raises(ConfigError, match=f"URL_EXPIRY_SECONDS.*{words}"):
        results.load_settings(environ)


def test_missing_bucket_setting_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="IMAGE_BUCKET"):
        results.load_settings({"AUDIO_BUCKET": "a", "TRANSCRIPT_BUCKET": "t"})
