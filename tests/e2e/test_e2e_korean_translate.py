"""A Korean talk on the local stack with the prompt director off: each scene's text goes through (the stand-in of)
Amazon Translate with the transcript's language, never "auto", before it becomes a plain prompt; the subtitles stay
Korean. The stand-in cannot translate and labels its output so."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e_support import KOREAN_TRANSCRIPTION, QUICK_IMAGE_SETTINGS, hangul, run_korean_talk
from local_stack.stack import LocalStack, StackOptions


@pytest.fixture(scope="module")
def stack(loopback_only: list[str]) -> Iterator[LocalStack]:
    settings = {**QUICK_IMAGE_SETTINGS, "PROMPT_DIRECTOR": "false"}
    options = StackOptions(name="korean-off", transcription_settings=KOREAN_TRANSCRIPTION, image_settings=settings)
    with LocalStack(options) as local:
        yield local


def test_with_the_director_off_korean_scene_text_is_translated_with_its_language(stack: LocalStack) -> None:
    manifest = run_korean_talk(stack, "director-off").manifest
    assert stack.translate_stand_in is not None
    calls = list(stack.translate_stand_in.calls)
    assert manifest["language_code"] == "ko-KR"
    assert manifest["status"] == "complete"
    assert manifest["prompt_model_id"] is None
    assert manifest["look"] is None
    assert [scene["prompt_source"] for scene in manifest["scenes"]] == ["translated"] * len(manifest["scenes"])
    assert {call["SourceLanguageCode"] for call in calls} == {"ko"}
    assert [call["Text"] for call in calls] == [scene["text"] for scene in manifest["scenes"]]
    assert all(
        scene["prompt"].startswith("Illustration of: [stand-in translation from ko") for scene in manifest["scenes"]
    )
    assert all(hangul(scene["text"]) for scene in manifest["scenes"])
