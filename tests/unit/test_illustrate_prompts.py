"""Prompts: the style always survives, the model's limit always holds, and no character is ever cut."""

from __future__ import annotations

import random
import unicodedata

import pytest

from illustrate_scenes import prompts
from illustrate_scenes.prompts import ELLIPSIS, clean, fit, plain_prompt, prompt_length
from pipeline_core.models import CATALOGUE

# Every Active image model's limit, and the 512 of the retired Titan as a short case.
LIMITS = sorted({int(e.data["prompt_limit"]) for e in CATALOGUE.image.values() if e.usable} | {512})
LONG_TEXT = " ".join(f"Sentence number {i} talks about the harbour, the boats and the sea." for i in range(400))


def assert_clean_prefix(result: str, text: str) -> None:
    """`result` is the start of `text` (cleaned), possibly + an ellipsis, not ending inside a character cluster."""
    source = clean(text)
    head = result.removesuffix(ELLIPSIS).rstrip()
    assert source.startswith(head)
    rest = source[len(head) :]
    if head and rest and not rest[0].isspace():  # a cut inside a run of characters falls between two clusters
        first = rest[0]
        assert unicodedata.combining(first) == 0
        assert unicodedata.category(first) not in ("Mn", "Me", "Mc")
        assert first != "\u200d"
        assert not 0xFE00 <= ord(first) <= 0xFE0F
        assert not 0x1F3FB <= ord(first) <= 0x1F3FF
        assert not head.endswith("\u200d")
    result.encode("utf-8")  # would raise on a lone surrogate


def test_short_text_is_kept_whole() -> None:
    assert fit("  Hello\n  world. ", 100) == "Hello world."


def test_long_text_stops_at_a_sentence_end_when_one_is_close() -> None:
    result = fit(LONG_TEXT, 300)
    assert prompt_length(result) <= 300
    assert result.endswith("sea.")
    assert_clean_prefix(result, LONG_TEXT)


def test_long_sentence_is_cut_at_a_word_boundary_with_an_ellipsis() -> None:
    text = "word " * 100 + "unbreakable"
    result = fit(text, 37)
    assert prompt_length(result) <= 37
    assert result.endswith(ELLIPSIS)
    assert all(part == "word" for part in result.removesuffix(ELLIPSIS).split())


@pytest.mark.parametrize(
    "text",
    [
        "Family: " + "👨\u200d👩\u200d👧\u200d👦 " * 30,  # ZWJ sequences of astral characters
        "Thumbs " + "👍🏽" * 60,  # skin-tone modifiers
        "Vietnamese " + "Tiếng Việt có dấu " * 40,
        "Combining " + "q\u0307\u0323" * 80,  # a base letter with two marks and no precomposed form
        "日本語の文章は単語の間に空白がありません" * 40,  # no spaces at all
        "Flag " + "❤\ufe0f" * 100,  # variation selectors
    ],
)
@pytest.mark.parametrize("budget", [5, 16, 33, 100, 511])
def test_cut_never_splits_a_character(text: str, budget: int) -> None:
    result = fit(text, budget)
    assert prompt_length(result) <= budget
    assert_clean_prefix(result, text)


def test_random_multilingual_text_respects_budget_and_clusters() -> None:
    rng = random.Random(7)
    alphabet = [*"abc de.,", "é", "\u0301", "\u200d", "😀", "🏽", "\ufe0f", "中", "。", " ", "\n"]
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 300)))
        budget = rng.randint(1, 120)
        if not clean(text):
            continue
        result = fit(text, budget)
        assert prompt_length(result) <= budget
        assert_clean_prefix(result, text)


def test_length_is_counted_in_utf16_units() -> None:
    assert prompt_length("abc") == 3
    assert prompt_length("é") == 1
    assert prompt_length("😀") == 2


@pytest.mark.parametrize("limit", LIMITS)
def test_plain_prompt_respects_each_model_limit_and_keeps_the_style(limit: int) -> None:
    style = "soft watercolour, muted colours"
    prompt = plain_prompt(LONG_TEXT * 3, style, limit)
    assert prompt_length(prompt) <= limit
    assert prompt.startswith(prompts.PROMPT_INTRO)
    assert prompt.endswith(f" Style: {style}.")


def test_plain_prompt_without_style_and_with_a_style_ending_in_a_full_stop() -> None:
    assert plain_prompt("A boat.", "", 1024) == "Illustration of: A boat."
    assert plain_prompt("A boat.", "Oil painting.", 1024) == "Illustration of: A boat. Style: Oil painting."


def test_fit_rejects_an_empty_budget() -> None:
    with pytest.raises(ValueError, match="budget"):
        fit("text", 0)
