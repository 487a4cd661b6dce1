"""A Korean talk end to end on the local stack: Korean subtitles stay Korean, the images get English prompts.

With the prompt director on (the default), the stand-in director answers every scene with an English prompt and a
look; it cannot translate, so its prompts for Korean text say so in English (`[stand-in, cannot translate ko-KR]`).
With the director off, the scene text goes through (the stand-in of) Amazon Translate with the transcript's language,
never "auto", before it becomes a plain prompt.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import client
import pytest
from e2e_support import QUICK_IMAGE_SETTINGS, follow, transcript_fixture
from local_stack.stack import LocalStack, StackOptions

from pipeline_core import naming

KOREAN = {"LANGUAGE_CODE": "ko-KR"}  # a deployment for Korean speakers: language_code = "ko-KR"
CUES = [
    (0.0, 9.0, "안녕하세요. 오늘은 오래된 등대에서 항구 산책을 시작합니다."),
    (10.0, 19.0, "새벽에 어선들이 돌아오고 곧 시장이 열립니다."),
    (20.0, 29.0, "마지막으로 소나무 숲을 지나 성으로 올라갑니다."),
]


def korean_audio(name: str) -> bytes:
    """Distinct bytes per upload (an MP3 tag and filler), so the Transcribe stand-in can tell them apart."""
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + hashlib.sha256(name.encode()).digest() * 16


def run_korean_talk(stack: LocalStack, name: str) -> client.Followed:
    assert stack.transcribe_stand_in is not None
    body = korean_audio(name)
    stack.transcribe_stand_in.register(body, transcript_fixture(name, CUES, language_code="ko-KR"))
    key = f"korean/{name}.mp3"
    stack.s3.put_object(Bucket=stack.buckets.audio, Key=key, Body=body, ContentType="audio/mpeg")
    return follow(stack, key)


def hangul(text: str) -> bool:
    return any("\uac00" <= char <= "\ud7a3" for char in text)


@pytest.fixture(scope="module")
def stack(loopback_only: list[str]) -> Iterator[LocalStack]:
    with LocalStack(
        StackOptions(name="korean", transcription_settings=KOREAN, image_settings=dict(QUICK_IMAGE_SETTINGS))
    ) as local:
        yield local


def test_a_korean_talk_gets_korean_subtitles_and_english_prompts_from_the_director(stack: LocalStack) -> None:
    followed = run_korean_talk(stack, "director-on")
    manifest = followed.manifest
    assert manifest["status"] == "complete"
    assert manifest["language_code"] == "ko-KR"
    # The subtitles are the spoken language's.
    srt = stack.s3.get_object(Bucket=stack.buckets.transcript, Key=naming.subtitle_key(followed.job, "srt"))
    assert "등대에서 항구 산책을" in srt["Body"].read().decode("utf-8")
    assert all(hangul(scene["text"]) for scene in manifest["scenes"])
    # The prompts are English, from the director, with the file's look in each.
    assert manifest["prompt_model_id"] == "us.amazon.nova-lite-v1:0"
    assert manifest["look"]["style"].startswith("[stand-in]")
    for scene in manifest["scenes"]:
        assert scene["prompt_source"] == "director"
        assert scene["prompt_note"] is None
        assert not hangul(scene["prompt"])
        assert scene["prompt"].isascii()
        assert "cannot translate ko-KR" in scene["prompt"]
        assert manifest["look"]["style"] in scene["prompt"]
    assert stack.bedrock_stand_in is not None
    sent = [call.request["prompt"] for call in stack.bedrock_stand_in.calls("invoke_model")]
    assert sent
    assert not any(hangul(prompt) for prompt in sent)
    assert stack.translate_stand_in is not None
    assert stack.translate_stand_in.calls == []  # the director answered: no Translate call


def test_with_the_director_off_korean_scene_text_is_translated_with_its_language(loopback_only: list[str]) -> None:
    settings = {**QUICK_IMAGE_SETTINGS, "PROMPT_DIRECTOR": "false"}
    with LocalStack(StackOptions(name="korean-off", transcription_settings=KOREAN, image_settings=settings)) as local:
        manifest = run_korean_talk(local, "director-off").manifest
        assert local.translate_stand_in is not None
        calls = list(local.translate_stand_in.calls)
    assert manifest["status"] == "complete"
    assert manifest["prompt_model_id"] is None
    assert manifest["look"] is None
    assert [scene["prompt_source"] for scene in manifest["scenes"]] == ["translated"] * len(manifest["scenes"])
    assert {call["SourceLanguageCode"] for call in calls} == {"ko"}
    assert [call["Text"] for call in calls] == [scene["text"] for scene in manifest["scenes"]]
    assert all(
        scene["prompt"].startswith("Illustration of: [stand-in translation from ko") for scene in manifest["scenes"]
    )
