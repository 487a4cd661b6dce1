"""Translated tracks without the translation service: sentences to send, requests to group them in, and the way back
from translated sentences to cues over the same time spans. Pure: the caller makes the TranslateText calls.

Whole sentences are translated (cue-by-cue translation loses grammar); each translated sentence keeps the time span
its source words were spoken in, its words spread over that span by their width, and the writer cuts them into cues
under the target language's profile. Amazon Translate takes at most 10,000 bytes of UTF-8 a request
(aws-facts.md 4.1) and keeps line breaks, so one request carries many sentences, one a line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from subtitle_writer.profiles import BreakRules, Profile
from subtitle_writer.writer import SPEECH_BREAK_MS, SubtitleCue, TimedWord, is_sentence_end, recut

MAX_REQUEST_BYTES = 9_000  # TranslateText's limit is 10,000 bytes of UTF-8; the rest is headroom
MAX_SENTENCE_BYTES = 3_000  # an unpunctuated monologue is sent in pieces of about this size


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of the source, or (in `flow`) one word of its translation with the time it is given."""

    text: str
    start_ms: int
    end_ms: int
    speaker: str | None = None


def sentences(words: Sequence[TimedWord], joiner: str = " ") -> list[Sentence]:
    """The words grouped into sentences: ended by . ! ? (and CJK forms), a speaker change or a long silence."""
    found: list[Sentence] = []
    current: list[TimedWord] = []
    size = 0

    def close() -> None:
        nonlocal size
        if current:
            text = joiner.join(" ".join(w.text.split()) for w in current)
            found.append(Sentence(text, current[0].start_ms, current[-1].end_ms, current[0].speaker))
            current.clear()
            size = 0

    for word in words:
        if current and (
            word.start_ms - current[-1].end_ms >= SPEECH_BREAK_MS
            or (word.speaker is not None and current[-1].speaker is not None and word.speaker != current[-1].speaker)
            or size + len(word.text.encode("utf-8")) > MAX_SENTENCE_BYTES
        ):
            close()
        current.append(word)
        size += len(word.text.encode("utf-8")) + 1
        if is_sentence_end(word.text):
            close()
    close()
    return found


def batches(texts: Sequence[str], max_bytes: int = MAX_REQUEST_BYTES) -> list[list[int]]:
    """Indexes of the texts grouped so that each group joined by newlines stays within max_bytes."""
    groups: list[list[int]] = []
    size = 0
    for index, text in enumerate(texts):
        length = len(text.encode("utf-8")) + 1
        if not groups or size + length > max_bytes:
            groups.append([])
            size = 0
        groups[-1].append(index)
        size += length
    return groups


def _tokens(text: str, profile: Profile) -> list[str]:
    """Words of the translated text: space-separated, or characters for scripts written without spaces."""
    if profile.word_joiner:
        return text.split()
    return [ch for ch in text if not ch.isspace()]


def flow(
    source: Sequence[Sentence], translated: Sequence[str], profile: Profile, rules: BreakRules | None = None
) -> list[SubtitleCue]:
    """Cues of the translation: each sentence's words spread over its source time span, then cut by the writer."""
    words: list[Sentence] = []
    for sentence, text in zip(source, translated, strict=True):
        tokens = _tokens(text, profile)
        if not tokens:
            continue
        widths = [max(profile.width(t), 0.5) for t in tokens]
        total = sum(widths)
        span = max(sentence.end_ms - sentence.start_ms, len(tokens))
        at = float(sentence.start_ms)
        for token, width in zip(tokens, widths, strict=True):
            length = span * width / total
            words.append(Sentence(token, round(at), round(at + length), sentence.speaker))
            at += length
    return recut(words, profile, rules)
