"""Scene generation: error classification (end of life included), isolation of failures, bounded concurrency, the
softened retry of a filtered scene, throttling retried within the invocation's time, and the exact call shapes
(InvokeModel for Stability, Converse for Nova 2 Omni) validated against botocore's bedrock-runtime model."""

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
    PROMPT_DIRECTOR,
    PROMPT_DIRECTOR_RETRY,
    PROMPT_PLAIN,
    GenerationConfig,
    ScenePrompt,
    classify_error,
    generate_scenes,
)
from illustrate_scenes.image_models import model_for
from illustrate_scenes.plan import PlannedScene

PNG = tiny_png()
STABILITY_OK = {"seeds": [7], "finish_reasons": [None], "images": [base64.b64encode(PNG).decode()]}
CORE = "stability.stable-image-core-v1:1"
OMNI = "us.amazon.nova-2-omni-v1:0"


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


def config(model_id: str = CORE, **overrides: Any) -> GenerationConfig:
    values = {"model": model_for(model_id), "aspect_ratio": "16:9", "concurrency": 4}
    values.update(overrides)
    return GenerationConfig(**values)


class FakeBedrock:
    """Answers invoke_model from `decide(request) -> payload | Exception`; records every call."""

    def __init__(self, decide=lambda request: STABILITY_OK, converse=None) -> None:
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
    outcome = classify_error(client_error("ValidationException", message), CORE, "us-west-2")
    assert (outcome.status, outcome.transient) == ("filtered", False)
    assert "content filters" in outcome.reason


def test_access_denied_names_model_region_and_the_fix() -> None:
    outcome = classify_error(
        client_error("AccessDeniedException", "not authorized", 403), "stability.sd3-5-large-v1:0", "us-west-2"
    )
    # Transient: once the role or the Marketplace subscription is fixed the same request succeeds, so the event is
    # kept (retries, then the dead-letter queue) rather than ended with a final manifest.
    assert (outcome.status, outcome.transient) == ("failed", True)
    for part in (
        "stability.sd3-5-large-v1:0",
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
    outcome = classify_error(error, CORE, "us-west-2")
    assert (outcome.status, outcome.transient) == ("failed", transient)
    assert reason in outcome.reason


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (
            client_error(
                "ResourceNotFoundException",
                "This model version has reached the end of its life. Please refer to the AWS documentation for more "
                "details.",
                404,
            ),
            "has reached end of life",
        ),
        (
            client_error(
                "ResourceNotFoundException",
                "Access denied. This Model is marked by provider as Legacy and you have not been actively using the "
                "model in the last 15 days. Please upgrade to an active model on Amazon Bedrock",
                404,
            ),
            "is Legacy",
        ),
        (
            client_error(
                "ValidationException",
                "Invocation of model ID amazon.nova-2-omni-v1:0 with on-demand throughput isn't supported. Retry your "
                "request with the ID or ARN of an inference profile that contains this model.",
            ),
            "needs an inference profile",
        ),
    ],
)
def test_a_model_that_cannot_be_called_fails_retryably_naming_the_active_models(error: Exception, says: str) -> None:
    outcome = classify_error(error, "amazon.nova-canvas-v1:0", "us-east-1")
    # Never "filtered"; transient so that the event reaches the dead-letter queue for a re-drive after a model change.
    assert (outcome.status, outcome.transient) == ("failed", True)
    assert says in outcome.reason
    assert "amazon.nova-canvas-v1:0" in outcome.reason
    assert "stability.stable-image-core-v1:1" in outcome.reason
    assert "dead-letter queue" in outcome.reason


def test_a_failed_or_filtered_scene_does_not_stop_the_others() -> None:
    blocked = "This request has been blocked by our content filters."

    def decide(request: dict[str, Any]) -> Any:
        seed = request["seed"]
        if seed == 1002:
            return client_error("ValidationException", blocked)
        if seed == 1003:
            return client_error("ThrottlingException", "Too many requests", 429)
        if seed == 1004:
            return {"seeds": [seed], "finish_reasons": ["Filter reason: output image"], "images": []}
        if seed == 1005:
            raise KeyError("an unexpected exception from the client")
        return STABILITY_OK

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


def test_requests_carry_prompt_seed_negative_prompt_and_aspect_ratio() -> None:
    bedrock = FakeBedrock()
    chosen = {2: ScenePrompt("A director's prompt for scene 2.", PROMPT_DIRECTOR)}
    results = generate_scenes(scenes(3), config(aspect_ratio="3:2"), bedrock, Store(), scene_prompts=chosen)
    by_seed = {r["seed"]: r for r in bedrock.requests}
    for scene in scenes(3):
        request = by_seed[scene.seed]
        assert request["modelId"] == CORE
        assert request["prompt"] == chosen[2].prompt if scene.index == 2 else scene.prompt
        assert request["negative_prompt"] == scene.negative_prompt
        assert (request["aspect_ratio"], request["output_format"], request["mode"]) == ("3:2", "png", "text-to-image")
    assert [r.prompt_source for r in results] == [PROMPT_PLAIN, PROMPT_DIRECTOR, PROMPT_PLAIN]


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
        return STABILITY_OK

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


FILTERED = {"seeds": [1], "finish_reasons": ["Filter reason: prompt"], "images": []}


def test_a_filtered_scene_is_retried_once_with_the_softened_prompt_and_both_attempts_are_kept() -> None:
    def decide(request: dict[str, Any]) -> Any:
        return STABILITY_OK if request["prompt"].startswith("Softer") else FILTERED

    asked: list[tuple[int, str]] = []

    def soften(scene: PlannedScene, blocked: ScenePrompt) -> ScenePrompt:
        asked.append((scene.index, blocked.prompt))
        return ScenePrompt(f"Softer {scene.index}", PROMPT_DIRECTOR_RETRY, "first prompt filtered")

    chosen = {1: ScenePrompt("A storm wrecks the harbour.", PROMPT_DIRECTOR)}
    [result] = generate_scenes(scenes(1), config(soften=soften), FakeBedrock(decide), Store(), scene_prompts=chosen)
    assert asked == [(1, "A storm wrecks the harbour.")]
    assert (result.status, result.prompt_source, result.prompt) == ("ok", PROMPT_DIRECTOR_RETRY, "Softer 1")
    assert [(a.prompt_source, a.status) for a in result.attempts] == [
        (PROMPT_DIRECTOR, "filtered"),
        (PROMPT_DIRECTOR_RETRY, "ok"),
    ]
    assert "Filter reason: prompt" in result.attempts[0].reason


def test_a_scene_filtered_twice_stays_filtered_and_there_is_no_third_attempt() -> None:
    bedrock = FakeBedrock(lambda request: FILTERED)
    soften = lambda scene, blocked: ScenePrompt("Softer", PROMPT_DIRECTOR_RETRY)  # noqa: E731
    [result] = generate_scenes(scenes(1), config(soften=soften), bedrock, Store())
    assert result.status == "filtered"
    assert len(result.attempts) == 2
    assert len(bedrock.requests) == 2


def test_without_a_softener_a_filtered_scene_is_not_retried() -> None:
    bedrock = FakeBedrock(lambda request: FILTERED)
    [result] = generate_scenes(scenes(1), config(), bedrock, Store())
    assert (result.status, len(bedrock.requests), len(result.attempts)) == ("filtered", 1, 1)


def test_a_throttled_scene_is_retried_with_backoff_while_the_invocation_has_time() -> None:
    answers = iter([client_error("ThrottlingException", "slow down", 429)] * 2 + [STABILITY_OK])
    bedrock = FakeBedrock(lambda request: next(answers))
    cfg = config(remaining_seconds=lambda: 800.0, backoff_seconds=(0.0, 0.0, 0.0), reserve_seconds=60)
    [result] = generate_scenes(scenes(1), cfg, bedrock, Store())
    assert result.status == "ok"
    assert len(bedrock.requests) == 3


def test_a_throttled_scene_is_not_retried_when_the_invocation_is_almost_out_of_time() -> None:
    bedrock = FakeBedrock(lambda request: client_error("ThrottlingException", "slow down", 429))
    cfg = config(remaining_seconds=lambda: 30.0, backoff_seconds=(0.0, 0.0), reserve_seconds=60)
    [result] = generate_scenes(scenes(1), cfg, bedrock, Store())
    assert (result.status, result.transient, len(bedrock.requests)) == ("failed", True, 1)


def test_other_failures_are_not_retried_in_the_invocation() -> None:
    bedrock = FakeBedrock(lambda request: client_error("ValidationException", "expected maxLength"))
    cfg = config(remaining_seconds=lambda: 800.0, backoff_seconds=(0.0, 0.0))
    [result] = generate_scenes(scenes(1), cfg, bedrock, Store())
    assert (result.status, len(bedrock.requests)) == ("failed", 1)


def test_no_scenes_no_calls() -> None:
    bedrock = FakeBedrock()
    assert generate_scenes([], config(), bedrock, Store()) == []
    assert bedrock.requests == []


def streaming(payload: dict[str, Any]) -> StreamingBody:
    raw = json.dumps(payload).encode()
    return StreamingBody(io.BytesIO(raw), len(raw))


@pytest.mark.parametrize("model_id", ["stability.stable-image-ultra-v1:1", CORE, "stability.sd3-5-large-v1:0"])
def test_stability_calls_are_valid_for_the_real_bedrock_runtime_client(model_id: str) -> None:
    client = boto3.client("bedrock-runtime", region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    stubber.add_response(
        "invoke_model",
        {"body": streaming(STABILITY_OK), "contentType": "application/json"},
        {"modelId": model_id, "body": ANY, "contentType": "application/json", "accept": "application/json"},
    )
    with stubber:
        [result] = generate_scenes(scenes(1), config(model_id, concurrency=1), client, Store())
    stubber.assert_no_pending_responses()
    assert result.status == "ok"


def test_omni_calls_converse_and_reads_the_image_block_with_the_real_client() -> None:
    client = boto3.client("bedrock-runtime", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    reply = {
        "output": {
            "message": {"role": "assistant", "content": [{"image": {"format": "png", "source": {"bytes": PNG}}}]}
        },
        "stopReason": "end_turn",
        "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15},
        "metrics": {"latencyMs": 100},
    }
    stubber.add_response("converse", reply, {"modelId": OMNI, "messages": ANY})
    store = Store()
    with stubber:
        [result] = generate_scenes(scenes(1), config(OMNI, concurrency=1), client, store)
    stubber.assert_no_pending_responses()
    assert (result.status, store.saved[1]) == ("ok", PNG)


def test_stubbed_client_errors_are_classified() -> None:
    client = boto3.client("bedrock-runtime", region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    stubber.add_client_error("invoke_model", "AccessDeniedException", "You don't have access", 403)
    with stubber:
        [result] = generate_scenes(scenes(1), config(concurrency=1), client, Store())
    assert result.status == "failed"
    assert "us-west-2" in result.reason
    assert CORE in result.reason
