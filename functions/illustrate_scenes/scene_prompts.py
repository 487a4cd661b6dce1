"""The prompt each scene is drawn with: the director's, else a translated or plain one, with the reason recorded.

Order of preference per scene (issue contract, recorded as `prompt_source` in the manifest):
`director` (the prompt director's English prompt plus the file's look) → `translated` (non-English scene text put into
English by Amazon Translate, as a plain prompt) → `plain` ("Illustration of: <scene text>", English text or when
Translate failed). A fallback carries `prompt_note` saying why. With the director on, a scene whose image was
content-filtered gets one softened prompt from the director (`director-retry`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from illustrate_scenes import director, prompts, translation
from illustrate_scenes.generation import (
    PROMPT_DIRECTOR,
    PROMPT_DIRECTOR_RETRY,
    PROMPT_PLAIN,
    PROMPT_TRANSLATED,
    ScenePrompt,
    Soften,
)
from illustrate_scenes.image_models import ImageModel
from illustrate_scenes.plan import PlannedScene
from pipeline_core import log

DescribeError = Callable[[Exception], str]


@dataclass
class PromptPlan:
    look: director.Look | None
    prompts: dict[int, ScenePrompt]
    director_calls: int = 0
    translate_calls: int = 0

    def look_dict(self) -> dict[str, Any] | None:
        return self.look.as_dict() if self.look else None


def _fallback(
    scene: PlannedScene,
    note: str | None,
    *,
    source_language: str | None,
    translate: Any,
    model: ImageModel,
    style: str,
    describe_error: DescribeError,
) -> tuple[ScenePrompt, bool]:
    """(prompt, whether Translate was called) for a scene the director gave no prompt for."""
    if source_language is None or translate is None:
        return ScenePrompt(scene.prompt, PROMPT_PLAIN, note), False
    try:
        english = translation.to_english(translate, scene.text, source_language)
    except Exception as exc:  # Translate failing leaves the plain prompt; the scene is still drawn
        why = f"translation from {source_language} failed: {describe_error(exc)}"
        return ScenePrompt(scene.prompt, PROMPT_PLAIN, f"{note}; {why}" if note else why), True
    prompt = prompts.plain_prompt(english, style, model.prompt_limit)
    return ScenePrompt(prompt, PROMPT_TRANSLATED, note), True


def plan_prompts(
    scenes: Sequence[PlannedScene],
    *,
    model: ImageModel,
    style: str,
    language_code: str | None,
    prompt_model_id: str | None,
    bedrock: Any,
    translate: Any,
    describe_error: DescribeError,
    look: director.Look | None = None,
) -> PromptPlan:
    """Every scene's prompt; the director (when `prompt_model_id` is set) first, the fallbacks for the rest.

    `look` is a look chosen earlier for this file (a re-drive that only fills missing scenes keeps it).
    """
    source_language = translation.source_language(language_code)
    direction = director.Direction(look=look)
    if prompt_model_id and scenes:
        direction = director.direct(
            bedrock.converse, prompt_model_id, scenes, language_code, describe_error=describe_error, look=look
        )
    plan = PromptPlan(look=direction.look, prompts={}, director_calls=direction.calls)
    for scene in scenes:
        if scene.index in direction.prompts:
            text = director.compose(direction.prompts[scene.index], direction.look, style, model.prompt_limit)
            plan.prompts[scene.index] = ScenePrompt(text, PROMPT_DIRECTOR)
            continue
        note = direction.problems.get(scene.index) if prompt_model_id else None
        chosen, called = _fallback(
            scene,
            note,
            source_language=source_language,
            translate=translate,
            model=model,
            style=style,
            describe_error=describe_error,
        )
        plan.translate_calls += int(called)
        plan.prompts[scene.index] = chosen
    return plan


def softener(
    bedrock: Any, prompt_model_id: str | None, look: director.Look | None, model: ImageModel, style: str
) -> Soften | None:
    """The retry for a content-filtered scene: one softened prompt from the director, or None when it is off."""
    if not prompt_model_id:
        return None

    def soften(scene: PlannedScene, blocked: ScenePrompt) -> ScenePrompt | None:
        try:
            response = bedrock.converse(**director.soften_request(prompt_model_id, scene, blocked.prompt, look))
            text = director.softened_prompt(response)
        except Exception as exc:  # no softened prompt: the scene stays filtered, with its first attempt recorded
            log.warning("no softened prompt", scene=scene.index, error=str(exc))
            return None
        note = "the first prompt was blocked by the image model's content filter"
        return ScenePrompt(director.compose(text, look, style, model.prompt_limit), PROMPT_DIRECTOR_RETRY, note)

    return soften
