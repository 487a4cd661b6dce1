"""A Korean talk end to end on the local stack: Korean subtitles stay Korean, the images get English prompts.

With the prompt director on (the default), the stand-in director answers every scene with an English prompt and a
look; it cannot translate, so its prompts for Korean text say so in English (`[stand-in, cannot translate ko-KR]`).
The director-off path (Amazon Translate) is in test_e2e_korean_translate.py: one local stack per module, since the
emulator's state is shared by the whole process.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e_support import KOREAN_TRANSCRIPTION, QUICK_IMAGE_SETTINGS, hangul, run_korean_talk
from local_stack.stack import LocalStack, StackOptions

from pipeline_core import naming


@pytest.fixture(scope="module")
def stack(loopback_only: list[str]) -> Iterator[LocalStack]:
    with LocalStack(
        StackOptions(
            name="korean", transcription_settings=KOREAN_TRANSCRIPTION, image_settings=dict(QUICK_IMAGE_SETTINGS)
        )
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
