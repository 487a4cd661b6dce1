"""Planned scenes -> images, concurrently, through bedrock-runtime `invoke_model` (Stability) or `converse` (Omni).

Each scene runs on its own in a bounded thread pool: one image call, the family adapter's parsing, and storing the
PNG. A scene that fails or is filtered becomes a result with its reason; it never stops the others. A filtered scene
gets one retry with a softened prompt when a `soften` callback is configured (the prompt director); both attempts
are recorded. The client retries throttling a few times (adaptive mode, see pipeline_core.aws); a scene still
throttled after that is retried here with backoff while the invocation has time left (`remaining_seconds`, from the
Lambda context), and is otherwise reported as failed, marked transient.

Errors that mean the configured model cannot be called at all (end of life, Legacy access lapsed, a profile-only
model called by its bare ID) are failures marked transient: the manifest is written as retryable and the event goes
to the dead-letter queue, from which it can be re-driven after the model is changed. They are never "filtered".
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from botocore import exceptions as botocore_errors
from botocore.exceptions import BotoCoreError, ClientError

from illustrate_scenes.image_models import CONTENT_FILTER_MARKER, ImageModel, ImageOutcome
from illustrate_scenes.plan import PlannedScene
from pipeline_core import log
from pipeline_core.models import CATALOGUE

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
_THROTTLED = frozenset({"ThrottlingException", "ServiceQuotaExceededException", "ModelNotReadyException"})
# Phrases of the real messages (aws-facts.md 3.0, checked 2026-12-01).
END_OF_LIFE_MARKERS = ("reached the end of its life", "marked by provider as Legacy")
PROFILE_ONLY_MARKER = "on-demand throughput isn't supported"

# Pauses before each in-invocation retry of a throttled scene (after the client's own adaptive retries).
THROTTLE_BACKOFF_SECONDS: tuple[float, ...] = (2.0, 5.0, 10.0, 20.0)

PROMPT_DIRECTOR = "director"
PROMPT_DIRECTOR_RETRY = "director-retry"
PROMPT_TRANSLATED = "translated"
PROMPT_PLAIN = "plain"


@dataclass(frozen=True)
class ScenePrompt:
    prompt: str
    source: str  # PROMPT_DIRECTOR | PROMPT_DIRECTOR_RETRY | PROMPT_TRANSLATED | PROMPT_PLAIN
    note: str | None = None


# (scene, the prompt the image model filtered) -> a softened prompt, or None when there is none to try.
Soften = Callable[[PlannedScene, ScenePrompt], "ScenePrompt | None"]


@dataclass(frozen=True)
class GenerationConfig:
    model: ImageModel
    aspect_ratio: str
    concurrency: int
    soften: Soften | None = None
    # Seconds the invocation has left (Lambda context); None: no in-invocation retries of throttled scenes.
    remaining_seconds: Callable[[], float] | None = None
    # Time kept for an image call plus writing the gallery and manifest after the last retry.
    reserve_seconds: float = 90.0
    backoff_seconds: Sequence[float] | None = None  # None: THROTTLE_BACKOFF_SECONDS


@dataclass(frozen=True)
class Attempt:
    prompt: str
    prompt_source: str
    status: str
    reason: str | None


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
    attempts: tuple[Attempt, ...] = ()


StoreImage = Callable[[PlannedScene, bytes], str]  # writes the PNG, returns its key


def region_of(client: Any) -> str:
    meta = getattr(client, "meta", None)
    return getattr(meta, "region_name", None) or os.environ.get("AWS_REGION") or "this Region"


def error_code(exc: Exception) -> str:
    return str(exc.response.get("Error", {}).get("Code", "")) if isinstance(exc, ClientError) else ""


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


def _unusable_model(model_id: str, why: str, message: str) -> ImageOutcome:
    # Transient on purpose: the same event succeeds once the model is changed, so it must reach the dead-letter queue.
    active = ", ".join(CATALOGUE.usable_ids("image"))
    return ImageOutcome.failed(
        f"model {model_id} {why}; set image_model_id to an Active model ({active}) and re-drive the event from the "
        f"dead-letter queue. AWS said: {message}",
        transient=True,
    )


def _model_unusable(code: str, message: str, model_id: str, region: str) -> ImageOutcome | None:
    if code == "ResourceNotFoundException" and any(marker in message for marker in END_OF_LIFE_MARKERS):
        why = "has reached end of life" if "end of its life" in message else "is Legacy and its access lapsed"
        return _unusable_model(model_id, f"{why} in Bedrock ({region})", message)
    if code == "ValidationException" and PROFILE_ONLY_MARKER in message:
        return _unusable_model(model_id, f"needs an inference profile in {region}", message)
    return None


def _service_error(code: str, message: str, status: int, model_id: str, region: str) -> ImageOutcome:
    unusable = _model_unusable(code, message, model_id, region)
    if unusable is not None:
        return unusable
    if code == "ValidationException" and CONTENT_FILTER_MARKER in message:
        # Not retryable: the same prompt is blocked again.
        return ImageOutcome.filtered(f"prompt blocked by content filters: {message}")
    if code == "AccessDeniedException":
        # Marked transient: it clears once the role or the model's Marketplace subscription is fixed (the first
        # call of a third-party model can be refused for ~15 minutes), so the event is retried and then kept in the
        # dead-letter queue for a re-drive instead of ending in a final "failed" manifest.
        return ImageOutcome.failed(
            f"access denied to model {model_id} in {region}: allow bedrock:InvokeModel on "
            f"arn:aws:bedrock:{region}::foundation-model/{model_id} (and the inference-profile "
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


def _call(model: ImageModel, request: dict[str, Any], bedrock: Any) -> ImageOutcome:
    try:
        if model.api == "converse":
            return model.parse_response(bedrock.converse(**request))
        raw = bedrock.invoke_model(**request)["body"].read()
    except Exception as exc:  # classified: every Bedrock failure becomes this scene's outcome
        if not isinstance(exc, ClientError | BotoCoreError):
            log.error("unexpected error from Bedrock", exc_info=True, model_id=model.model_id)
        return classify_error(exc, model.model_id, region_of(bedrock))
    try:
        payload = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return ImageOutcome.failed("the model's response is not JSON")
    return model.parse_response(payload)


def _throttled(outcome: ImageOutcome) -> bool:
    return outcome.status == "failed" and outcome.transient and (outcome.reason or "").startswith("throttled")


def _draw(scene: PlannedScene, prompt: ScenePrompt, config: GenerationConfig, bedrock: Any) -> ImageOutcome:
    """One image; a throttled call is retried with backoff while the invocation has time for another attempt."""
    request = config.model.request(prompt.prompt, scene.negative_prompt, scene.seed, config.aspect_ratio)
    outcome = _call(config.model, request, bedrock)
    pauses = THROTTLE_BACKOFF_SECONDS if config.backoff_seconds is None else config.backoff_seconds
    for pause in pauses:
        if not _throttled(outcome) or config.remaining_seconds is None:
            break
        if config.remaining_seconds() < pause + config.reserve_seconds:
            break
        time.sleep(pause)
        outcome = _call(config.model, request, bedrock)
    return outcome


def generate_scene(
    scene: PlannedScene,
    prompt: ScenePrompt,
    config: GenerationConfig,
    bedrock: Any,
    *,
    store: StoreImage,
    log_fields: Mapping[str, Any],
) -> SceneResult:
    started = time.monotonic()
    outcome = _draw(scene, prompt, config, bedrock)
    attempts = [Attempt(prompt.prompt, prompt.source, outcome.status, outcome.reason)]
    if outcome.status == "filtered" and config.soften is not None:
        softer = config.soften(scene, prompt)
        if softer is not None:
            prompt = softer
            outcome = _draw(scene, prompt, config, bedrock)
            attempts.append(Attempt(prompt.prompt, prompt.source, outcome.status, outcome.reason))
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
        prompt=prompt.prompt,
        prompt_source=prompt.source,
        prompt_note=prompt.note,
        image_key=image_key,
        seconds=round(time.monotonic() - started, 3),
        attempts=tuple(attempts),
    )
    fields = {**log_fields, "scene": scene.index, "status": result.status, "seconds": result.seconds}
    if result.status == "ok":
        log.info("scene illustrated", image_key=image_key, prompt_source=prompt.source, **fields)
    else:
        log.warning("scene not illustrated", reason=result.reason, transient=result.transient, **fields)
    return result


def generate_scenes(
    scenes: Sequence[PlannedScene],
    config: GenerationConfig,
    bedrock: Any,
    store: StoreImage,
    *,
    log_fields: Mapping[str, Any] | None = None,
    scene_prompts: Mapping[int, ScenePrompt] | None = None,
) -> list[SceneResult]:
    """One result per scene, in scene order, with at most `config.concurrency` Bedrock calls in flight.

    `scene_prompts` (by scene index) are the director's or translated prompts; a scene without one uses its plain one.
    """
    if not scenes:
        return []
    fields = dict(log_fields or {})
    chosen = dict(scene_prompts or {})

    def run(scene: PlannedScene) -> SceneResult:
        prompt = chosen.get(scene.index) or ScenePrompt(scene.prompt, PROMPT_PLAIN)
        try:
            return generate_scene(scene, prompt, config, bedrock, store=store, log_fields=fields)
        except Exception as exc:  # an unexpected error in one scene must not lose the others
            log.error("scene crashed", exc_info=True, scene=scene.index, **fields)
            return SceneResult(
                scene, "failed", f"{type(exc).__name__}: {exc}", False, prompt.prompt, prompt.source, prompt.note,
                None, 0.0,
            )  # fmt: skip

    workers = max(1, min(config.concurrency, len(scenes)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scene") as pool:
        return list(pool.map(run, scenes))
