"""Scene text -> image prompt, within the image model's prompt limit.

Lengths are counted in UTF-16 code units, the stricter of the ways a JSON-schema validator counts characters (an emoji
counts twice), so a prompt that fits here fits the service. Text is shortened at a sentence or word end and never
inside a character or between a letter and the accent or joiner that belongs to it.

These plain prompts are the fallback of the prompt director (director.py): for English scene text as it is, for
other languages after Amazon Translate (translation.py).
"""

from __future__ import annotations

import re
import unicodedata

from illustrate_scenes.scenes import CLOSERS, SENTENCE_MARKS

NEGATIVE_PROMPT = "text, letters, words, captions, subtitles, watermark, logo"
PROMPT_INTRO = "Illustration of: "
ELLIPSIS = "…"

_SPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(f"[{re.escape(SENTENCE_MARKS)}][{re.escape(CLOSERS)}]*(?=\\s|$)")
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
