"""The prompt director: its Converse request, the reply's schema validation (malformed, partial, oversized, filtered
replies), chunking, the look in every prompt, the per-scene fallbacks (translated / plain, with reasons) and the
softened retry request; Converse calls checked against botocore's bedrock-runtime model with a Stubber."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from illustrate_scenes import director
from illustrate_scenes.director import DIRECTOR_SCHEMA, Look, ReplyError, validate_reply
from illustrate_scenes.generation import (
    PROMPT_DIRECTOR,
    PROMPT_DIRECTOR_RETRY,
    PROMPT_PLAIN,
    PROMPT_TRANSLATED,
    ScenePrompt,
)
from illustrate_scenes.image_models import model_for
from illustrate_scenes.plan import PlannedScene
from illustrate_scenes.prompts import prompt_length
from illustrate_scenes.scene_prompts import plan_prompts, softener

CORE = model_for("stability.stable-image-core-v1:1")
OMNI = model_for("us.amazon.nova-2-omni-v1:0")
LITE = "us.amazon.nova-lite-v1:0"
LOOK = {
    "style": "loose ink and watercolour",
    "palette": "sea blue, sand, brick red",
    "setting": "a small harbour town",
    "subjects": [{"name": "the guide", "description": "a woman in a yellow raincoat"}],
}


def scenes(count: int, text: str = "Scene {i}: the boats come in at dawn.") -> list[PlannedScene]:
    return [
        PlannedScene(i, (i - 1) * 30_000, i * 30_000, text.format(i=i), f"Illustration of: {text.format(i=i)}", "", i)
        for i in range(1, count + 1)
    ]


def reply(text: str, stop: str = "end_turn") -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop,
        "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15},
        "metrics": {"latencyMs": 100},
    }


def good(indices: list[int], look: dict[str, Any] = LOOK) -> str:
    return json.dumps(
        {
            "look": look,
            "scenes": [{"index": i, "prompt": f"The guide points at fishing boats, scene {i}"} for i in indices],
        }
    )


def describe(exc: Exception) -> str:
    return str(exc)


class FakeConverse:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls: list[dict[str, Any]] = []

    def converse(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        answer = self.answer(kwargs) if callable(self.answer) else self.answer
        if isinstance(answer, Exception):
            raise answer
        return answer


class FakeTranslate:
    def __init__(self, fail: bool = False) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail = fail

    def translate_text(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        if self.fail:
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "TranslateText")
        return {"TranslatedText": f"English for: {kwargs['Text'][:20]}", "SourceLanguageCode": "ko"}


def sent_scenes(call: dict[str, Any]) -> dict[str, Any]:
    return json.loads(call["messages"][0]["content"][0]["text"])


# --- the request -----------------------------------------------------------------------------------------------


def test_the_request_sends_every_scene_with_its_language_and_asks_for_english_json_without_text() -> None:
    request = director.director_request(LITE, scenes(3, "장면 {i}: 새벽에 배가 들어온다."), "ko-KR", None)
    assert request["modelId"] == LITE
    payload = json.loads(request["messages"][0]["content"][0]["text"])
    assert payload["language"] == "ko-KR"
    assert [s["index"] for s in payload["scenes"]] == [1, 2, 3]
    assert payload["scenes"][0]["text"] == "장면 1: 새벽에 배가 들어온다."
    system = request["system"][0]["text"]
    for phrase in ("English prompt", "Never ask for text, letters", "Reply with JSON only", "one look"):
        assert phrase in system
    assert f"Each prompt at most {director.DIRECTOR_PROMPT_TARGET} characters" in system
    assert 1 <= request["inferenceConfig"]["maxTokens"] <= 5000


def test_a_full_chunk_asks_for_prompts_that_fit_the_output_token_limit() -> None:
    request = director.director_request(LITE, scenes(director.CHUNK_SCENES), "en-US", None)
    budget = request["inferenceConfig"]["maxTokens"]
    # 40 prompts of the asked length (~4 characters a token, ~20 tokens of JSON each) and the look must fit.
    assert director.CHUNK_SCENES * (director.DIRECTOR_PROMPT_TARGET / 4 + 20) + 200 <= budget <= 5000


def test_long_scenes_are_cut_before_they_are_sent() -> None:
    request = director.director_request(LITE, scenes(1, "word " * 5000), "en-US", None)
    text = json.loads(request["messages"][0]["content"][0]["text"])["scenes"][0]["text"]
    assert prompt_length(text) <= director.SCENE_TEXT_LIMIT


def test_a_later_chunk_is_told_to_keep_the_look() -> None:
    look = director.parse_look(LOOK)
    request = director.director_request(LITE, scenes(1), "en-US", look)
    assert "Keep exactly this look" in request["system"][0]["text"]
    assert "yellow raincoat" in request["system"][0]["text"]


def test_chunks_are_at_most_forty_scenes() -> None:
    assert [len(c) for c in director.chunks(scenes(95))] == [40, 40, 15]
    assert director.chunks([]) == []


def test_the_schema_names_the_fields_the_validator_checks() -> None:
    assert DIRECTOR_SCHEMA["required"] == ["look", "scenes"]
    look = DIRECTOR_SCHEMA["properties"]["look"]
    assert look["required"] == ["style", "palette", "setting", "subjects"]
    prompt = DIRECTOR_SCHEMA["properties"]["scenes"]["items"]["properties"]["prompt"]
    assert prompt["maxLength"] == director.DIRECTOR_PROMPT_LIMIT


# --- validating replies ----------------------------------------------------------------------------------------


def test_a_valid_reply_gives_the_look_and_every_prompt() -> None:
    look, prompts, problems = validate_reply(good([1, 2]), [1, 2])
    assert look == Look("loose ink and watercolour", "sea blue, sand, brick red", "a small harbour town",
                        (("the guide", "a woman in a yellow raincoat"),))  # fmt: skip
    assert set(prompts) == {1, 2}
    assert problems == {}


def test_a_fenced_reply_is_accepted() -> None:
    _look, prompts, _ = validate_reply("```json\n" + good([1]) + "\n```", [1])
    assert prompts[1].startswith("The guide")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"look": {"style": "ink"', "not valid JSON"),
        ("Sure! Here are your prompts.", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({"scenes": []}), "look must be an object"),
        (json.dumps({"look": {**LOOK, "style": ""}, "scenes": []}), "look.style must be a non-empty string"),
        (json.dumps({"look": {**LOOK, "palette": "x" * 500}, "scenes": []}), "look.palette is longer than 120"),
        (json.dumps({"look": {**LOOK, "subjects": [LOOK["subjects"][0]] * 7}, "scenes": []}), "at most 6"),
        (json.dumps({"look": {**LOOK, "subjects": ["a"]}, "scenes": []}), "look.subjects[0] must be an object"),
        (json.dumps({"look": LOOK, "scenes": "all"}), "no scenes list"),
    ],
)
def test_malformed_replies_are_refused_with_the_reason(text: str, problem: str) -> None:
    with pytest.raises(ReplyError, match=problem.replace("[", r"\[").replace("]", r"\]")):
        validate_reply(text, [1])


def test_a_partial_reply_leaves_only_the_missing_scenes_without_a_prompt() -> None:
    text = json.dumps(
        {
            "look": LOOK,
            "scenes": [
                {"index": 1, "prompt": "Boats at dawn"},
                {"index": 3, "prompt": ""},
                {"index": 3, "prompt": "A second answer for 3 is ignored"},
                {"index": 9, "prompt": "A scene that does not exist"},
                {"index": "2", "prompt": "An index that is not a number"},
                {"index": 4, "prompt": "A sign with the words reading WELCOME over the harbour"},
                {"index": 5, "prompt": "x" * (director.DIRECTOR_PROMPT_LIMIT + 1)},
            ],
        }
    )
    _, prompts, problems = validate_reply(text, [1, 2, 3, 4, 5])
    assert prompts == {1: "Boats at dawn"}
    assert problems[2] == "the director's reply has no prompt for this scene"
    assert "non-empty" in problems[3]
    assert "asks for text" in problems[4]
    assert f"longer than {director.DIRECTOR_PROMPT_LIMIT}" in problems[5]


@pytest.mark.parametrize(
    ("response", "problem"),
    [
        (
            reply(" - The generated text has been blocked by our content filters.", "content_filtered"),
            "content_filtered",
        ),
        (reply("anything", "guardrail_intervened"), "guardrail_intervened"),
        (reply(good([1])[:200], "max_tokens"), "cut off"),
        (reply("   "), "no text"),
        ({"output": {"message": {"content": [{"image": {}}]}}, "stopReason": "end_turn"}, "no text"),
        ("not a dict", "not an object"),
    ],
)
def test_filtered_cut_off_and_empty_replies_are_refused(response: Any, problem: str) -> None:
    with pytest.raises(ReplyError, match=problem):
        director.reply_text(response)


def test_compose_appends_the_look_and_style_and_keeps_the_image_model_limit() -> None:
    look = director.parse_look(LOOK)
    prompt = director.compose("Boats at dawn. " * 400, look, "linocut", 1000)
    assert prompt_length(prompt) <= 1000
    assert prompt.endswith(" Style: loose ink and watercolour; palette: sea blue, sand, brick red. Style: linocut.")
    assert director.compose("Boats", None, "", 1000) == "Boats"


# --- planning every scene's prompt ---------------------------------------------------------------------------------


def plan(bedrock: Any, language: str | None = "en-US", count: int = 3, translate: Any = None, **kw: Any):
    return plan_prompts(
        scenes(count),
        model=kw.get("model", CORE),
        style=kw.get("style", ""),
        language_code=language,
        prompt_model_id=kw.get("prompt_model_id", LITE),
        bedrock=bedrock,
        translate=translate,
        describe_error=describe,
    )


def test_the_director_gives_every_scene_its_prompt_with_the_look_in_one_call() -> None:
    bedrock = FakeConverse(lambda kwargs: reply(good([s["index"] for s in sent_scenes(kwargs)["scenes"]])))
    result = plan(bedrock, count=3)
    assert result.director_calls == 1 == len(bedrock.calls)
    assert result.look_dict() == LOOK
    for index, chosen in result.prompts.items():
        assert chosen.source == PROMPT_DIRECTOR
        assert chosen.note is None
        assert chosen.prompt.startswith(f"The guide points at fishing boats, scene {index}")
        assert "Style: loose ink and watercolour" in chosen.prompt


def test_a_long_file_costs_one_call_per_forty_scenes_and_keeps_the_first_look() -> None:
    looks = iter([LOOK, {**LOOK, "style": "a different style"}, {**LOOK, "style": "yet another"}])

    def answer(kwargs: dict[str, Any]) -> dict[str, Any]:
        return reply(good([s["index"] for s in sent_scenes(kwargs)["scenes"]], next(looks)))

    bedrock = FakeConverse(answer)
    result = plan(bedrock, count=95)
    assert result.director_calls == 3
    assert len(result.prompts) == 95
    assert all("loose ink and watercolour" in p.prompt for p in result.prompts.values())
    assert "Keep exactly this look" in bedrock.calls[1]["system"][0]["text"]


@pytest.mark.parametrize(
    "answer",
    [
        reply("no JSON at all"),
        reply(" - The generated text has been blocked by our content filters.", "content_filtered"),
        ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "Converse"),
    ],
)
def test_a_failed_director_falls_back_to_plain_prompts_for_english_with_the_reason(answer: Any) -> None:
    result = plan(FakeConverse(answer), language="en-GB", translate=FakeTranslate())
    assert result.look is None
    for index, chosen in result.prompts.items():
        assert (chosen.source, chosen.prompt) == (PROMPT_PLAIN, scenes(3)[index - 1].prompt)
        assert chosen.note


def test_a_failed_director_falls_back_to_translated_prompts_for_korean() -> None:
    translate = FakeTranslate()
    result = plan(FakeConverse(reply("not json")), language="ko-KR", translate=translate)
    assert result.translate_calls == 3
    assert {call["SourceLanguageCode"] for call in translate.calls} == {"ko"}  # the transcript's, never "auto"
    assert {call["TargetLanguageCode"] for call in translate.calls} == {"en"}
    for chosen in result.prompts.values():
        assert chosen.source == PROMPT_TRANSLATED
        assert chosen.prompt.startswith("Illustration of: English for:")
        assert "not valid JSON" in chosen.note


def test_only_the_scenes_the_director_missed_fall_back() -> None:
    result = plan(FakeConverse(reply(good([1, 3]))), language="en-US")
    assert [result.prompts[i].source for i in (1, 2, 3)] == [PROMPT_DIRECTOR, PROMPT_PLAIN, PROMPT_DIRECTOR]
    assert result.prompts[2].note == "the director's reply has no prompt for this scene"


def test_with_the_director_off_korean_is_translated_and_english_is_used_as_it_is() -> None:
    bedrock = FakeConverse(reply("never asked"))
    translate = FakeTranslate()
    korean = plan(bedrock, language="ko-KR", translate=translate, prompt_model_id=None)
    assert bedrock.calls == []
    assert [p.source for p in korean.prompts.values()] == [PROMPT_TRANSLATED] * 3
    assert all(p.note is None for p in korean.prompts.values())
    english = plan(bedrock, language="en-US", translate=translate, prompt_model_id=None)
    assert [p.source for p in english.prompts.values()] == [PROMPT_PLAIN] * 3
    assert len(translate.calls) == 3


def test_a_failed_translation_keeps_the_plain_prompt_and_says_why() -> None:
    result = plan(FakeConverse(reply("x")), language="ja-JP", translate=FakeTranslate(fail=True), prompt_model_id=None)
    for chosen in result.prompts.values():
        assert chosen.source == PROMPT_PLAIN
        assert "translation from ja failed" in chosen.note


# --- the softened retry --------------------------------------------------------------------------------------------


def test_the_softener_asks_the_director_for_a_gentler_prompt_that_keeps_the_look() -> None:
    bedrock = FakeConverse(reply('"A calm harbour after the storm, boats safely moored"'))
    look = director.parse_look(LOOK)
    soften = softener(bedrock, LITE, look, CORE, "")
    assert soften is not None
    softer = soften(scenes(1)[0], ScenePrompt("A storm wrecks the boats", PROMPT_DIRECTOR))
    assert softer is not None
    assert softer.source == PROMPT_DIRECTOR_RETRY
    assert softer.prompt.startswith("A calm harbour after the storm, boats safely moored Style: loose ink")
    assert "blocked" in softer.note
    user = json.loads(bedrock.calls[0]["messages"][0]["content"][0]["text"])
    assert user["blocked_prompt"] == "A storm wrecks the boats"
    assert "yellow raincoat" in bedrock.calls[0]["system"][0]["text"]


def test_no_softener_without_the_director_and_none_when_the_director_fails() -> None:
    assert softener(FakeConverse(reply("x")), None, None, CORE, "") is None
    soften = softener(FakeConverse(reply("", "content_filtered")), LITE, None, CORE, "")
    assert soften is not None
    assert soften(scenes(1)[0], ScenePrompt("p", PROMPT_DIRECTOR)) is None


def test_director_calls_are_valid_for_the_real_bedrock_runtime_client() -> None:
    client = boto3.client("bedrock-runtime", region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    stubber.add_response(
        "converse",
        reply(good([1, 2])),
        {"modelId": LITE, "system": ANY, "messages": ANY, "inferenceConfig": ANY},
    )
    stubber.add_response(
        "converse", reply("A gentle scene"), {"modelId": LITE, "system": ANY, "messages": ANY, "inferenceConfig": ANY}
    )
    with stubber:
        result = plan(client, count=2)
        soften = softener(client, LITE, result.look, OMNI, "")
        assert soften is not None
        assert soften(scenes(1)[0], ScenePrompt("p", PROMPT_DIRECTOR)) is not None
    stubber.assert_no_pending_responses()
    assert [p.source for p in result.prompts.values()] == [PROMPT_DIRECTOR] * 2
