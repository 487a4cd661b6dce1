"""Planned scenes -> images, concurrently, through bedrock-runtime `converse` and `invoke_model` only.

Each scene runs on its own in a bounded thread pool: an optional prompt rewrite, one InvokeModel call, the family
adapter's parsing, and storing the PNG. A scene that fails or is filtered becomes a result with its reason; it never
stops the others. The client does the retrying (adaptive mode, see pipeline_core.aws), so a throttled scene here has
already been retried and is reported as failed, marked transient.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from botocore import exceptions as botocore_errors
from botocore.exceptions import BotoCoreError, ClientError

from illustrate_scenes import prompts
from illustrate_scenes.image_models import CONTENT_FILTER_MARKER, ImageModel, ImageOutcome, base_model_id
from illustrate_scenes.plan import PlannedScene
from pipeline_core import log

# Error codes after which the same request can succeed later (bedrock-runtime error shapes, aws-facts.md 4).
_TRANSIENT = {
    "ThrottlingException": "throttled",
    "ServiceQuotaExceededException": "throttled (service quota exceeded)",
    "ModelNotReadyException": "model not ready",
    "ModelTimeoutException": "model timed out",
    "ModelErrorException": "model error",
    "InternalServerException": "Bedrock internal error",
    "ServiceUnavailableException": "Bedrock unavailable",
}

PROMPT_PLAIN = "plain"
PROMPT_REWRITTEN = "rewritten"
PROMPT_FALLBACK = "plain (rewrite failed)"


@dataclass(frozen=True)
class GenerationConfig:
    model: ImageModel
    prompt_model_id: str | None
    style: str
    width: int
    height: int
    concurrency: int


@dataclass(frozen=True)
class SceneResult:
    scene: PlannedScene
    status: str  # "ok" | "filtered" | "failed"
    reason: str | None
    transient: bool
    prompt: str
    prompt_source: str
    prompt_note: str | None
    image_key: str | None
    seconds: float


StoreImage = Callable[[PlannedScene, bytes], str]  # writes the PNG, returns its key


def region_of(client: Any) -> str:
    meta = getattr(client, "meta", None)
    return getattr(meta, "region_name", None) or os.environ.get("AWS_REGION") or "this Region"


def classify_error(exc: Exception, model_id: str, region: str) -> ImageOutcome:
    """A Bedrock exception as a scene outcome: filtered, or failed with a reason a user can act on."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        return _service_error(str(error.get("Code", "")), str(error.get("Message", "")), status, model_id, region)
    if isinstance(exc, botocore_errors.HTTPClientError | botocore_errors.ConnectionError):
        return ImageOutcome.failed(f"no response from Bedrock: {exc}", transient=True)
    if isinstance(exc, BotoCoreError):
        return ImageOutcome.failed(f"Bedrock call failed: {exc}")
    return ImageOutcome.failed(f"{type(exc).__name__}: {exc}")


def _service_error(code: str, message: str, status: int, model_id: str, region: str) -> ImageOutcome:
    if code == "ValidationException" and CONTENT_FILTER_MARKER in message:
        # Not retryable: the same prompt is blocked again.
        return ImageOutcome.filtered(f"prompt blocked by content filters: {message}")
    if code == "AccessDeniedException":
        # Marked transient: it clears once the role or the model's Marketplace subscription is fixed (the first
        # call of a third-party model can be refused for ~15 minutes), so the event is retried and then kept in the
        # dead-letter queue for a re-drive instead of ending in a final "failed" manifest.
        return ImageOutcome.failed(
            f"access denied to model {model_id} in {region}: allow bedrock:InvokeModel on "
            f"arn:aws:bedrock:{region}::foundation-model/{base_model_id(model_id)} (and the inference-profile "
            "ARN when using one) in the function's role, and check that the model is offered in this Region; "
            "Stability models also need aws-marketplace:Subscribe and the first call may need ~15 minutes to "
            f"complete the subscription. AWS said: {message}",
            transient=True,
        )
    if code == "ResourceNotFoundException":
        return ImageOutcome.failed(f"model {model_id} not found in {region}: {message}")
    if code in _TRANSIENT:
        return ImageOutcome.failed(f"{_TRANSIENT[code]}: {message}", transient=True)
    return ImageOutcome.failed(f"{code or 'error'}: {message}", transient=status >= 500)


def _prompt_for(scene: PlannedScene, config: GenerationConfig, bedrock: Any) -> tuple[str, str, str | None]:
    """(prompt, source, note): the rewritten prompt when configured and usable, else the plain one."""
    if not config.prompt_model_id:
        return scene.prompt, PROMPT_PLAIN, None
    limit = config.model.prompt_limit
    try:
        response = bedrock.converse(**prompts.rewrite_request(config.prompt_model_id, scene.text, config.style, limit))
    except Exception as exc:  # any failure of the optional rewrite falls back to the plain prompt
        outcome = classify_error(exc, config.prompt_model_id, region_of(bedrock))
        return scene.prompt, PROMPT_FALLBACK, outcome.reason
    rewritten, problem = prompts.rewritten_prompt(response, config.style, limit)
    if rewritten is None:
        return scene.prompt, PROMPT_FALLBACK, problem
    return rewritten, PROMPT_REWRITTEN, None


def _invoke(model: ImageModel, body: dict[str, Any], bedrock: Any) -> ImageOutcome:
    try:
        response = bedrock.invoke_model(
            modelId=model.model_id, body=json.dumps(body), contentType="application/json", accept="application/json"
        )
        raw = response["body"].read()
    except Exception as exc:  # classified: every Bedrock failure becomes this scene's outcome
        if not isinstance(exc, ClientError | BotoCoreError):
            log.error("unexpected error from invoke_model", exc_info=True, model_id=model.model_id)
        return classify_error(exc, model.model_id, region_of(bedrock))
    try:
        payload = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return ImageOutcome.failed("the model's response is not JSON")
    return model.parse_response(payload)


def generate_scene(
    scene: PlannedScene, config: GenerationConfig, bedrock: Any, store: StoreImage, log_fields: dict[str, Any]
) -> SceneResult:
    started = time.monotonic()
    prompt, source, note = _prompt_for(scene, config, bedrock)
    body = config.model.request_body(prompt, scene.negative_prompt, scene.seed, config.width, config.height)
    outcome = _invoke(config.model, body, bedrock)
    image_key = None
    if outcome.status == "ok" and outcome.image is not None:
        try:
            image_key = store(scene, outcome.image)
        except Exception as exc:  # a lost upload loses this scene only; S3 itself already retried
            outcome = ImageOutcome.failed(f"storing the image failed: {exc}", transient=True)
    result = SceneResult(
        scene=scene,
        status=outcome.status,
        reason=outcome.reason,
        transient=outcome.transient,
        prompt=prompt,
        prompt_source=source,
        prompt_note=note,
        image_key=image_key,
        seconds=round(time.monotonic() - started, 3),
    )
    fields = {**log_fields, "scene": scene.index, "status": result.status, "seconds": result.seconds}
    if result.status == "ok":
        log.info("scene illustrated", image_key=image_key, prompt_source=source, **fields)
    else:
        log.warning("scene not illustrated", reason=result.reason, transient=result.transient, **fields)
    return result


def generate_scenes(
    scenes: Sequence[PlannedScene],
    config: GenerationConfig,
    bedrock: Any,
    store: StoreImage,
    log_fields: dict[str, Any] | None = None,
) -> list[SceneResult]:
    """One result per scene, in scene order, with at most `config.concurrency` Bedrock calls in flight."""
    if not scenes:
        return []
    fields = log_fields or {}

    def run(scene: PlannedScene) -> SceneResult:
        try:
            return generate_scene(scene, config, bedrock, store, fields)
        except Exception as exc:  # an unexpected error in one scene must not lose the others
            log.error("scene crashed", exc_info=True, scene=scene.index, **fields)
            return SceneResult(
                scene, "failed", f"{type(exc).__name__}: {exc}", False, scene.prompt, PROMPT_PLAIN, None, None, 0.0
            )

    workers = max(1, min(config.concurrency, len(scenes)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scene") as pool:
        return list(pool.map(run, scenes))
