"""Scene text -> image prompt, within the image model's prompt limit.

Lengths are counted in UTF-16 code units, the stricter of the ways a JSON-schema validator counts characters (an emoji
counts twice), so a prompt that fits here fits the service. Text is shortened at a sentence or word end and never
inside a character or between a letter and the accent or joiner that belongs to it.

The optional rewrite asks a Bedrock text model (Converse API, aws-facts.md 4) for a visual description of the scene;
the style is appended by this module to the plain and the rewritten prompt alike, so every image gets the same style.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from illustrate_scenes.scenes import CLOSERS, SENTENCE_MARKS

NEGATIVE_PROMPT = "text, letters, words, captions, subtitles, watermark, logo"
PROMPT_INTRO = "Illustration of: "
ELLIPSIS = "…"
# Upper bound on the scene text sent to the rewrite model: a capped 4-hour file can give scenes of ~20k words.
REWRITE_INPUT_LIMIT = 24_000
REWRITE_STOP_REASONS_REJECTED = frozenset({"content_filtered", "guardrail_intervened"})

_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(f"[{re.escape(SENTENCE_MARKS)}][{re.escape(CLOSERS)}]*(?=\\s|$)")
_LABEL = re.compile(r"^(?:image\s+)?prompt\s*:\s*", re.IGNORECASE)
_ZWJ = "\u200d"


def prompt_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def clean(text: str) -> str:
    """NFC (a decomposed accent counts twice otherwise) with all whitespace, newlines included, as single spaces."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _attaches_to_previous(char: str) -> bool:
    """Combining marks, joiners, variation selectors and skin-tone modifiers belong to the character before them."""
    code = ord(char)
    return (
        unicodedata.combining(char) != 0
        or unicodedata.category(char) in ("Mn", "Me", "Mc")
        or char == _ZWJ
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF
    )


def _safe_cut(text: str, budget: int) -> int:
    """The largest cut position whose prefix fits `budget` and does not split a character cluster."""
    used = 0
    cut = 0
    for position, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > budget:
            break
        cut = position + 1
    while 0 < cut < len(text) and (_attaches_to_previous(text[cut]) or text[cut - 1] == _ZWJ):
        cut -= 1
    return cut


def fit(text: str, budget: int) -> str:
    """`text` (cleaned) if it fits in `budget` code units, else its longest sentence- or word-aligned start + '…'."""
    if budget < 1:
        raise ValueError(f"budget must be at least 1, got {budget}")
    text = clean(text)
    if prompt_length(text) <= budget:
        return text
    cut = _safe_cut(text, budget - prompt_length(ELLIPSIS))
    head = text[:cut]
    sentence_ends = [match.end() for match in _SENTENCE_END.finditer(head)]
    if sentence_ends and sentence_ends[-1] >= cut // 2:
        return head[: sentence_ends[-1]]  # ends with a whole sentence: no ellipsis needed
    if not text[cut].isspace() and not head[-1:].isspace():
        space = head.rfind(" ")
        if space > 0:
            head = head[:space]
        # else one "word" is longer than the budget (e.g. unspaced CJK text): the character-safe cut has to do
    return head.rstrip() + ELLIPSIS


def style_suffix(style: str) -> str:
    style = clean(style).rstrip(". ")
    return f" Style: {style}." if style else ""


def plain_prompt(scene_text: str, style: str, limit: int) -> str:
    """'Illustration of: <scene text>. Style: <style>.' with the scene text shortened to fit `limit`."""
    suffix = style_suffix(style)
    budget = limit - prompt_length(PROMPT_INTRO) - prompt_length(suffix)
    return PROMPT_INTRO + fit(scene_text, budget) + suffix


def negative_prompt(limit: int) -> str:
    return fit(NEGATIVE_PROMPT, limit)


def rewrite_request(model_id: str, scene_text: str, style: str, limit: int) -> dict[str, Any]:
    """Keyword arguments for bedrock-runtime `converse` asking for one visual prompt for the scene."""
    room = limit - prompt_length(style_suffix(style))
    system = (
        "You write prompts for a text-to-image model. The user sends a passage from a transcript of spoken audio. "
        "Describe one picture that illustrates it: subject, setting, mood, lighting and composition, in one "
        "paragraph of plain descriptive language. Do not mention the speaker, microphones, transcripts or "
        "recordings unless the passage is about them, and do not ask for any text, letters or captions in the "
        f"picture. Reply with the description only, at most {room} characters."
    )
    return {
        "modelId": model_id,
        "system": [{"text": system}],
        "messages": [{"role": "user", "content": [{"text": fit(scene_text, REWRITE_INPUT_LIMIT)}]}],
        # About 3 characters per token leaves room for the description without paying for a long essay.
        "inferenceConfig": {"maxTokens": max(64, min(1000, room // 3)), "temperature": 0.2, "topP": 0.9},
    }


def rewritten_prompt(response: Any, style: str, limit: int) -> tuple[str | None, str | None]:
    """(prompt, None) from a Converse response, or (None, why the plain prompt must be used instead)."""
    if not isinstance(response, dict):
        return None, "the rewrite response is not an object"
    stop = response.get("stopReason")
    if stop in REWRITE_STOP_REASONS_REJECTED:
        return None, f"the rewrite model stopped with {stop}"
    content = (((response.get("output") or {}).get("message") or {}).get("content")) or []
    text = " ".join(
        block["text"] for block in content if isinstance(block, dict) and isinstance(block.get("text"), str)
    )
    text = _LABEL.sub("", clean(text)).strip().strip("\"'\u201c\u201d").strip()
    if not text:
        return None, "the rewrite model returned no text"
    suffix = style_suffix(style)
    return fit(text, limit - prompt_length(suffix)) + suffix, None
