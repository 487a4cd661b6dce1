"""Scene generation: error classification, isolation of failures, bounded concurrency, the prompt rewrite, and the
exact call shapes validated against botocore's bedrock-runtime model with a Stubber."""

from __future__ import annotations

import base64
import io
import json
import threading
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber
from fake_images import tiny_png

from illustrate_scenes.generation import (
    PROMPT_FALLBACK,
    PROMPT_PLAIN,
    PROMPT_REWRITTEN,
    GenerationConfig,
    classify_error,
    generate_scenes,
)
from illustrate_scenes.image_models import model_for
from illustrate_scenes.plan import PlannedScene

PNG = tiny_png()
NOVA_OK = {"images": [base64.b64encode(PNG).decode()], "error": None}


def client_error(code: str, message: str, status: int = 400, operation: str = "InvokeModel") -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, operation
    )


def scenes(count: int) -> list[PlannedScene]:
    return [
        PlannedScene(
            i, (i - 1) * 30_000, i * 30_000, f"Scene {i} text.", f"Illustration of: Scene {i} text.", "text", 1000 + i
        )
        for i in range(1, count + 1)
    ]


def config(model_id: str = "amazon.nova-canvas-v1:0", **overrides: Any) -> GenerationConfig:
    values = {
        "model": model_for(model_id),
        "prompt_model_id": None,
        "style": "",
        "width": 1024,
        "height": 1024,
        "concurrency": 4,
    }
    values.update(overrides)
    return GenerationConfig(**values)


class FakeBedrock:
    """Answers invoke_model from `decide(request) -> payload | Exception`; records every call."""

    def __init__(self, decide=lambda request: NOVA_OK, converse=None) -> None:
        self.decide = decide
        self.converse_reply = converse
        self.requests: list[dict[str, Any]] = []
        self.converse_calls: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def invoke_model(self, *, modelId: str, body: str, contentType: str, accept: str) -> dict[str, Any]:
        assert (contentType, accept) == ("application/json", "application/json")
        request = json.loads(body)
        with self.lock:
            self.requests.append({"modelId": modelId, **request})
        outcome = self.decide(request)
        if isinstance(outcome, Exception):
            raise outcome
        return {"body": io.BytesIO(json.dumps(outcome).encode()), "contentType": "application/json"}

    def converse(self, **kwargs: Any) -> dict[str, Any]:
        with self.lock:
            self.converse_calls.append(kwargs)
        reply = self.converse_reply(kwargs) if callable(self.converse_reply) else self.converse_reply
        if isinstance(reply, Exception):
            raise reply
        return reply


class Store:
    def __init__(self) -> None:
        self.saved: dict[int, bytes] = {}

    def __call__(self, scene: PlannedScene, image: bytes) -> str:
        self.saved[scene.index] = image
        return f"job/scene-{scene.index:03d}.png"


def test_content_filter_exception_is_filtered_not_failed() -> None:
    message = "This request has been blocked by our content filters. Please adjust your text prompt."
    outcome = classify_error(client_error("ValidationException", message), "amazon.nova-canvas-v1:0", "us-east-1")
    assert (outcome.status, outcome.transient) == ("filtered", False)
    assert "content filters" in outcome.reason


def test_access_denied_names_model_region_and_the_fix() -> None:
    outcome = classify_error(
        client_error("AccessDeniedException", "not authorized", 403), "us.stability.sd3-5-large-v1:0", "us-west-2"
    )
    # Transient: once the role or the Marketplace subscription is fixed the same request succeeds, so the event is
    # kept (retries, then the dead-letter queue) rather than ended with a final manifest.
    assert (outcome.status, outcome.transient) == ("failed", True)
    for part in (
        "us.stability.sd3-5-large-v1:0",
        "us-west-2",
        "bedrock:InvokeModel",
        "arn:aws:bedrock:us-west-2::foundation-model/stability.sd3-5-large-v1:0",
        "aws-marketplace:Subscribe",
    ):
        assert part in outcome.reason


@pytest.mark.parametrize(
    ("error", "transient", "reason"),
    [
        (client_error("ThrottlingException", "Too many requests", 429), True, "throttled"),
        (client_error("ServiceUnavailableException", "busy", 503), True, "unavailable"),
        (client_error("ModelTimeoutException", "slow", 408), True, "timed out"),
        (client_error("SomethingNew", "oops", 502), True, "SomethingNew"),
        (client_error("ValidationException", "expected maxLength: 512, actual: 536"), False, "maxLength"),
        (client_error("ResourceNotFoundException", "no such model", 404), False, "not found"),
        (ReadTimeoutError(endpoint_url="https://bedrock-runtime"), True, "no response"),
        (EndpointConnectionError(endpoint_url="https://bedrock-runtime"), True, "no response"),
        (RuntimeError("bug"), False, "RuntimeError"),
    ],
)
def test_error_classification(error: Exception, transient: bool, reason: str) -> None:
    outcome = classify_error(error, "amazon.nova-canvas-v1:0", "us-east-1")
    assert (outcome.status, outcome.transient) == ("failed", transient)
    assert reason in outcome.reason


def test_a_failed_or_filtered_scene_does_not_stop_the_others() -> None:
    blocked = "This request has been blocked by our content filters."

    def decide(request: dict[str, Any]) -> Any:
        seed = request["imageGenerationConfig"]["seed"]
        if seed == 1002:
            return client_error("ValidationException", blocked)
        if seed == 1003:
            return client_error("ThrottlingException", "Too many requests", 429)
        if seed == 1004:
            return {"images": [], "error": "All of the generated images have been blocked by our content filters."}
        if seed == 1005:
            raise KeyError("an unexpected exception from the client")
        return NOVA_OK

    store = Store()
    results = generate_scenes(scenes(6), config(), FakeBedrock(decide), store)
    assert [r.scene.index for r in results] == [1, 2, 3, 4, 5, 6]
    assert [r.status for r in results] == ["ok", "filtered", "failed", "filtered", "failed", "ok"]
    assert results[2].transient
    assert "throttled" in results[2].reason
    assert sorted(store.saved) == [1, 6]
    assert store.saved[1] == PNG
    assert [r.image_key for r in results] == ["job/scene-001.png", None, None, None, None, "job/scene-006.png"]


def test_a_failed_upload_fails_only_its_scene() -> None:
    def store(scene: PlannedScene, image: bytes) -> str:
        if scene.index == 2:
            raise OSError("connection reset")
        return f"k{scene.index}"

    results = generate_scenes(scenes(3), config(), FakeBedrock(), store)
    assert [r.status for r in results] == ["ok", "failed", "ok"]
    assert results[1].transient


def test_requests_carry_prompt_seed_and_size() -> None:
    bedrock = FakeBedrock()
    generate_scenes(scenes(3), config(width=1280, height=720), bedrock, Store())
    by_seed = {r["imageGenerationConfig"]["seed"]: r for r in bedrock.requests}
    for scene in scenes(3):
        request = by_seed[scene.seed]
        assert request["modelId"] == "amazon.nova-canvas-v1:0"
        assert request["textToImageParams"]["text"] == scene.prompt
        assert (request["imageGenerationConfig"]["width"], request["imageGenerationConfig"]["height"]) == (1280, 720)


@pytest.mark.parametrize("concurrency", [2, 4])
def test_scenes_run_concurrently_but_never_beyond_the_pool_size(concurrency: int) -> None:
    # Every call waits until `concurrency` calls are in flight together; sequential execution would break the barrier.
    barrier = threading.Barrier(concurrency, timeout=10)
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def decide(request: dict[str, Any]) -> Any:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        try:
            barrier.wait()
        finally:
            with lock:
                in_flight -= 1
        return NOVA_OK

    results = generate_scenes(scenes(2 * concurrency), config(concurrency=concurrency), FakeBedrock(decide), Store())
    assert [r.status for r in results] == ["ok"] * (2 * concurrency)
    assert peak == concurrency


def converse_reply(text: str, stop: str = "end_turn") -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": stop,
        "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15},
        "metrics": {"latencyMs": 100},
    }


def test_prompt_rewrite_is_used_when_configured() -> None:
    bedrock = FakeBedrock(
        converse=lambda kwargs: converse_reply(f"A painting of {kwargs['messages'][0]['content'][0]['text']}")
    )
    results = generate_scenes(scenes(2), config(prompt_model_id="amazon.nova-lite-v1:0", style="oil"), bedrock, Store())
    assert [r.prompt_source for r in results] == [PROMPT_REWRITTEN, PROMPT_REWRITTEN]
    assert results[0].prompt == "A painting of Scene 1 text. Style: oil."
    assert {r["textToImageParams"]["text"] for r in bedrock.requests} == {r.prompt for r in results}
    assert all(call["modelId"] == "amazon.nova-lite-v1:0" for call in bedrock.converse_calls)


@pytest.mark.parametrize(
    ("reply", "note"),
    [
        (
            converse_reply(" - The generated text has been blocked by our content filters.", "content_filtered"),
            "content_filtered",
        ),
        (client_error("AccessDeniedException", "denied", 403, "Converse"), "access denied"),
        (client_error("ThrottlingException", "slow down", 429, "Converse"), "throttled"),
    ],
)
def test_an_unusable_rewrite_falls_back_to_the_plain_prompt(reply: Any, note: str) -> None:
    bedrock = FakeBedrock(converse=reply)
    [result] = generate_scenes(scenes(1), config(prompt_model_id="amazon.nova-lite-v1:0"), bedrock, Store())
    assert result.status == "ok"
    assert (result.prompt_source, result.prompt) == (PROMPT_FALLBACK, scenes(1)[0].prompt)
    assert note in result.prompt_note


def test_no_rewrite_call_when_it_is_off() -> None:
    bedrock = FakeBedrock(converse=converse_reply("never"))
    [result] = generate_scenes(scenes(1), config(), bedrock, Store())
    assert result.prompt_source == PROMPT_PLAIN
    assert bedrock.converse_calls == []


def test_no_scenes_no_calls() -> None:
    bedrock = FakeBedrock()
    assert generate_scenes([], config(), bedrock, Store()) == []
    assert bedrock.requests == []


def streaming(payload: dict[str, Any]) -> StreamingBody:
    raw = json.dumps(payload).encode()
    return StreamingBody(io.BytesIO(raw), len(raw))


@pytest.mark.parametrize(
    ("model_id", "payload"),
    [
        ("amazon.nova-canvas-v1:0", NOVA_OK),
        ("stability.stable-image-ultra-v1:1", {"seeds": [7], "finish_reasons": [None], "images": NOVA_OK["images"]}),
    ],
)
def test_calls_are_valid_for_the_real_bedrock_runtime_client(model_id: str, payload: dict[str, Any]) -> None:
    client = boto3.client("bedrock-runtime", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    stubber.add_response(
        "converse",
        converse_reply("A lighthouse on a cliff at dusk"),
        {"modelId": "amazon.nova-lite-v1:0", "system": ANY, "messages": ANY, "inferenceConfig": ANY},
    )
    stubber.add_response(
        "invoke_model",
        {"body": streaming(payload), "contentType": "application/json"},
        {"modelId": model_id, "body": ANY, "contentType": "application/json", "accept": "application/json"},
    )
    with stubber:
        [result] = generate_scenes(
            scenes(1), config(model_id, prompt_model_id="amazon.nova-lite-v1:0", concurrency=1), client, Store()
        )
    stubber.assert_no_pending_responses()
    assert (result.status, result.prompt_source, result.prompt) == (
        "ok",
        PROMPT_REWRITTEN,
        "A lighthouse on a cliff at dusk",
    )


def test_stubbed_client_errors_are_classified() -> None:
    client = boto3.client("bedrock-runtime", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    stubber.add_client_error("invoke_model", "AccessDeniedException", "You don't have access", 403)
    with stubber:
        [result] = generate_scenes(scenes(1), config(concurrency=1), client, Store())
    assert result.status == "failed"
    assert "eu-west-1" in result.reason
    assert "amazon.nova-canvas-v1:0" in result.reason
