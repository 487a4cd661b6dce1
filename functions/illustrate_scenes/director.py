"""The prompt director: one Converse call per chunk of scenes turns a transcript in any language into English prompts.

The text model (PROMPT_MODEL_ID, default Nova Lite through its `us.` profile, models.json) reads the scenes of a file,
up to CHUNK_SCENES at a time, and answers with JSON checked against DIRECTOR_SCHEMA: a `look` for the whole file
(style, palette, setting, recurring subjects with fixed short descriptions) and one English visual prompt per scene.
Every image prompt is the scene's prompt plus the look's style and palette, cut to the image model's prompt limit, so
all pictures of a file share one look. Later chunks receive the first chunk's look and keep it.

Contract: the director never blocks images. A reply that is not valid JSON, misses a scene, was content-filtered or
failed (throttling, access) leaves the affected scenes to the fallback (a translated or plain prompt, chosen by the
caller) with the reason in `problems`. `soften_request` asks for one safer prompt for a scene whose image the image
model's content filter blocked. Pure except for the `converse` call made by `direct`; no clock, no randomness.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from illustrate_scenes.plan import PlannedScene
from illustrate_scenes.prompts import clean, fit, prompt_length, style_suffix

CHUNK_SCENES = 40  # one Converse call per <= 40 scenes keeps the reply well under the model's 5K output tokens
SCENE_TEXT_LIMIT = 1500  # characters of each scene's text sent to the director (a capped 4-hour file has long scenes)
DIRECTOR_PROMPT_LIMIT = 600  # characters a scene prompt may have (validation) before the look is appended
# What the director is asked for: short enough that 40 prompts and the look fit Nova Lite's 5,000 output tokens
# (~4 characters a token: 40 x (350 / 4 + 20 for the JSON) + 400 for the look = 4,700), with room to overshoot.
DIRECTOR_PROMPT_TARGET = 350
MAX_OUTPUT_TOKENS = 5000
REJECTED_STOP_REASONS = frozenset({"content_filtered", "guardrail_intervened"})
# Words that ask an image model for writing; the director is told not to, and prompts that still do are rejected.
_ASKS_FOR_TEXT = re.compile(
    r"\b(?:caption(?:ed|s)?|subtitles?|(?:the )?(?:words?|text|letters?|title) (?:reading|saying|that says))\b",
    re.IGNORECASE,
)
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")

# The JSON schema of a reply (draft 2020-12); `validate_reply` checks exactly these rules without a library, so the
# function zip carries no dependency.
DIRECTOR_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["look", "scenes"],
    "properties": {
        "look": {
            "type": "object",
            "required": ["style", "palette", "setting", "subjects"],
            "properties": {
                "style": {"type": "string", "minLength": 1, "maxLength": 200},
                "palette": {"type": "string", "minLength": 1, "maxLength": 120},
                "setting": {"type": "string", "maxLength": 200},
                "subjects": {
                    "type": "array",
                    "maxItems": 6,
                    "items": {
                        "type": "object",
                        "required": ["name", "description"],
                        "properties": {
                            "name": {"type": "string", "minLength": 1, "maxLength": 60},
                            "description": {"type": "string", "minLength": 1, "maxLength": 200},
                        },
                    },
                },
            },
        },
        "scenes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["index", "prompt"],
                "properties": {
                    "index": {"type": "integer", "minimum": 1},
                    "prompt": {"type": "string", "minLength": 1, "maxLength": DIRECTOR_PROMPT_LIMIT},
                },
            },
        },
    },
}
_LOOK_LIMITS = {"style": 200, "palette": 120, "setting": 200}
MAX_SUBJECTS = 6


class ReplyError(ValueError):
    """The director's reply as a whole is unusable (every scene of the chunk falls back)."""


@dataclass(frozen=True)
class Look:
    style: str
    palette: str
    setting: str
    subjects: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "style": self.style,
            "palette": self.palette,
            "setting": self.setting,
            "subjects": [{"name": name, "description": description} for name, description in self.subjects],
        }

    def suffix(self) -> str:
        """What every prompt of the file ends with."""
        return f" Style: {self.style.rstrip('. ')}; palette: {self.palette.rstrip('. ')}."


@dataclass
class Direction:
    """The director's answer for a file: the look, the prompts it gave and why the other scenes have none."""

    look: Look | None = None
    prompts: dict[int, str] = field(default_factory=dict)
    problems: dict[int, str] = field(default_factory=dict)
    calls: int = 0


def chunks(scenes: Sequence[PlannedScene], size: int = CHUNK_SCENES) -> list[Sequence[PlannedScene]]:
    return [scenes[start : start + size] for start in range(0, len(scenes), size)]


def _system(prompt_room: int, look: Look | None) -> str:
    fixed = json.dumps(look.as_dict(), ensure_ascii=False) if look else ""
    keep = (
        "Keep exactly this look and copy it into your reply unchanged: " + fixed
        if look
        else "First choose one look for the whole talk: a visual style, a colour palette, a setting, and up to six "
        "recurring subjects or characters, each with a fixed short visual description."
    )
    return (
        "You are the art director of an illustrated talk. The user sends the scenes of a transcript of spoken audio "
        "as JSON (index and text); the text may be in any language. "
        + keep
        + " Then write, for every scene, one English prompt for a text-to-image model that depicts what the scene "
        "is about as a concrete picture (subject, setting, composition, lighting), using the recurring subjects' "
        "fixed descriptions whenever they appear. Never ask for text, letters, words, captions, signs or logos in "
        "the picture; do not depict the speaker, microphones or a stage unless the scene is about them. "
        f"Each prompt at most {prompt_room} characters, English only. Reply with JSON only, no commentary, in this "
        'shape: {"look": {"style": "...", "palette": "...", "setting": "...", "subjects": [{"name": "...", '
        '"description": "..."}]}, "scenes": [{"index": 1, "prompt": "..."}]}'
    )


def director_request(
    model_id: str, scenes: Sequence[PlannedScene], language_code: str | None, look: Look | None
) -> dict[str, Any]:
    """Keyword arguments for bedrock-runtime `converse` for one chunk of scenes."""
    payload = {
        "language": language_code or "unknown",
        "scenes": [{"index": scene.index, "text": fit(scene.text, SCENE_TEXT_LIMIT)} for scene in scenes],
    }
    # About 4 characters per token; each prompt of DIRECTOR_PROMPT_TARGET plus the JSON around it, plus the look.
    max_tokens = min(MAX_OUTPUT_TOKENS, 400 + len(scenes) * (DIRECTOR_PROMPT_TARGET // 4 + 20))
    return {
        "modelId": model_id,
        "system": [{"text": _system(DIRECTOR_PROMPT_TARGET, look)}],
        "messages": [{"role": "user", "content": [{"text": json.dumps(payload, ensure_ascii=False)}]}],
        "inferenceConfig": {"maxTokens": max_tokens, "temperature": 0.3, "topP": 0.9},
    }


def reply_text(response: Any) -> str:
    """The text of a Converse response; ReplyError when it was filtered or carries no text."""
    if not isinstance(response, dict):
        raise ReplyError("the director's response is not an object")
    stop = response.get("stopReason")
    if stop in REJECTED_STOP_REASONS:
        raise ReplyError(f"the director stopped with {stop}")
    content = ((response.get("output") or {}).get("message") or {}).get("content") or []
    text = "".join(block["text"] for block in content if isinstance(block, dict) and isinstance(block.get("text"), str))
    if not text.strip():
        raise ReplyError("the director returned no text")
    if stop == "max_tokens":
        raise ReplyError("the director's reply was cut off at its token limit")
    return text


def _string(value: Any, where: str, limit: int, *, required: bool = True) -> str:
    if not isinstance(value, str) or (required and not value.strip()):
        raise ReplyError(f"{where} must be a non-empty string")
    text = clean(value)
    if prompt_length(text) > limit:
        raise ReplyError(f"{where} is longer than {limit} characters")
    return text


def look_from_manifest(value: Any) -> Look | None:
    """The look recorded in an earlier manifest, or None when there is none or it does not parse."""
    try:
        return parse_look(value) if value else None
    except ReplyError:
        return None


def parse_look(value: Any) -> Look:
    if not isinstance(value, dict):
        raise ReplyError("look must be an object")
    style, palette = (_string(value.get(k), f"look.{k}", _LOOK_LIMITS[k]) for k in ("style", "palette"))
    setting = _string(value.get("setting", ""), "look.setting", _LOOK_LIMITS["setting"], required=False)
    subjects = value.get("subjects") or []
    if not isinstance(subjects, list) or len(subjects) > MAX_SUBJECTS:
        raise ReplyError("look.subjects must be a list of at most 6 subjects")
    pairs = []
    for n, subject in enumerate(subjects):
        if not isinstance(subject, dict):
            raise ReplyError(f"look.subjects[{n}] must be an object")
        pairs.append(
            (
                _string(subject.get("name"), f"look.subjects[{n}].name", 60),
                _string(subject.get("description"), f"look.subjects[{n}].description", 200),
            )
        )
    return Look(style, palette, setting, tuple(pairs))


def validate_reply(text: str, expected: Sequence[int]) -> tuple[Look, dict[int, str], dict[int, str]]:
    """(look, prompt per scene index, problem per scene index) from a reply's text, checked against DIRECTOR_SCHEMA.

    A reply that is not JSON, lacks a usable look or a scenes list raises ReplyError (the whole chunk falls back);
    a bad or missing scene is a problem for that scene only.
    """
    try:
        data = json.loads(_FENCE.sub("", text.strip()))
    except json.JSONDecodeError as exc:
        raise ReplyError(f"the director's reply is not valid JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(data, dict):
        raise ReplyError("the director's reply is not a JSON object")
    look = parse_look(data.get("look"))
    items = data.get("scenes")
    if not isinstance(items, list):
        raise ReplyError("the director's reply has no scenes list")
    wanted = set(expected)
    prompts: dict[int, str] = {}
    problems: dict[int, str] = {}
    seen: set[int] = set()
    for item in items:
        index = item.get("index") if isinstance(item, dict) else None
        if not isinstance(index, int) or isinstance(index, bool) or index not in wanted or index in seen:
            continue  # an unknown, repeated (the first answer counts) or malformed entry answers no scene
        seen.add(index)
        try:
            prompt = _string(item.get("prompt"), f"scene {index} prompt", DIRECTOR_PROMPT_LIMIT)
        except ReplyError as exc:
            problems[index] = str(exc)
            continue
        if _ASKS_FOR_TEXT.search(prompt):
            problems[index] = "the director's prompt asks for text in the picture"
            continue
        prompts[index] = prompt
    for index in wanted - prompts.keys() - problems.keys():
        problems[index] = "the director's reply has no prompt for this scene"
    return look, prompts, problems


def compose(prompt: str, look: Look | None, style: str, limit: int) -> str:
    """The image prompt: the scene prompt, then the look and the configured style, within `limit` characters."""
    suffix = (look.suffix() if look else "") + style_suffix(style)
    return fit(prompt, limit - prompt_length(suffix)) + suffix


Converse = Callable[..., Any]


def direct(
    converse: Converse,
    model_id: str,
    scenes: Sequence[PlannedScene],
    language_code: str | None,
    *,
    describe_error: Callable[[Exception], str],
    look: Look | None = None,
) -> Direction:
    """The look and prompts for all scenes, one `converse` call per chunk; failures become per-scene problems.

    A given `look` is kept (every chunk is told to use it); otherwise the first chunk that answers chooses it.
    """
    direction = Direction(look=look)
    for chunk in chunks(scenes):
        indices = [scene.index for scene in chunk]
        direction.calls += 1
        try:
            response = converse(**director_request(model_id, chunk, language_code, direction.look))
            look_found, prompts, problems = validate_reply(reply_text(response), indices)
        except ReplyError as exc:
            direction.problems.update(dict.fromkeys(indices, str(exc)))
            continue
        except Exception as exc:  # throttling, access, timeouts: the scenes fall back, images still get drawn
            direction.problems.update(dict.fromkeys(indices, f"the director call failed: {describe_error(exc)}"))
            continue
        direction.look = direction.look or look_found
        direction.prompts.update(prompts)
        direction.problems.update(problems)
    return direction


def soften_request(model_id: str, scene: PlannedScene, blocked_prompt: str, look: Look | None) -> dict[str, Any]:
    """Keyword arguments for `converse`: one gentler prompt for a scene whose image the content filter blocked."""
    look_text = f" Keep this look: {json.dumps(look.as_dict(), ensure_ascii=False)}." if look else ""
    system = (
        "An image model's content filter blocked the prompt below. Write one new English prompt for a text-to-image "
        "model that shows the same moment in a gentle, non-violent, family-friendly way, with no people in distress, "
        "no weapons, no injuries and no text or letters in the picture." + look_text + " Reply with the prompt only, "
        f"at most {DIRECTOR_PROMPT_TARGET} characters."
    )
    user = json.dumps({"scene_text": fit(scene.text, SCENE_TEXT_LIMIT), "blocked_prompt": blocked_prompt})
    return {
        "modelId": model_id,
        "system": [{"text": system}],
        "messages": [{"role": "user", "content": [{"text": user}]}],
        "inferenceConfig": {"maxTokens": DIRECTOR_PROMPT_LIMIT // 2, "temperature": 0.3, "topP": 0.9},
    }


def softened_prompt(response: Any) -> str:
    """The softened prompt from a Converse response; ReplyError when it is unusable."""
    text = clean(_FENCE.sub("", reply_text(response).strip())).strip("\"'\u201c\u201d ")
    if not text:
        raise ReplyError("the director returned no softened prompt")
    if _ASKS_FOR_TEXT.search(text):
        raise ReplyError("the softened prompt asks for text in the picture")
    return fit(text, DIRECTOR_PROMPT_LIMIT)
