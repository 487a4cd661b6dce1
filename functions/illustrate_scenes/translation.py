"""Non-English scene text -> English through Amazon Translate, for plain prompts when the director is off or failed.

aws-facts.md 4.1 (checked 2026-12-01): `TranslateText` takes at most 10,000 bytes of UTF-8 (Korean is about 3 bytes
a character); the source language is the transcript's own code, never "auto" (that would need Comprehend too).
"""

from __future__ import annotations

from typing import Any

MAX_TEXT_BYTES = 10_000
# Transcribe language codes such as "ko-KR" -> Translate's "ko"; these keep their region (Translate's own codes).
_KEEP_REGION = {"zh-TW", "fr-CA", "es-MX", "pt-PT"}


def source_language(language_code: str | None) -> str | None:
    """Translate's source code for a Transcribe language code, or None when the text is English or unknown."""
    if not language_code:
        return None
    if language_code in _KEEP_REGION:
        return language_code
    base = language_code.split("-")[0].lower()
    return None if base == "en" else base


def clip_bytes(text: str, limit: int = MAX_TEXT_BYTES) -> str:
    """The longest start of `text` whose UTF-8 form fits `limit` bytes, cut between characters."""
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", errors="ignore")


def to_english(translate: Any, text: str, source: str) -> str:
    """`text` in English; the caller handles the service's exceptions (the scene then keeps its plain prompt)."""
    response = translate.translate_text(Text=clip_bytes(text), SourceLanguageCode=source, TargetLanguageCode="en")
    return str(response["TranslatedText"])
