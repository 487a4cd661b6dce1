"""Translated subtitle tracks with Amazon Translate: the only AWS calls of the subtitle step.

The transcript's sentences go to TranslateText in requests under 10,000 bytes, from the transcript's own language
(never `auto`, which would call Amazon Comprehend and need its permission, aws-facts.md 4.1); subtitle_writer flows
each translation back over the time span of its sentence under the target language's profile. A request whose
answer has a different number of lines is retried sentence by sentence, so a sentence never lands on another's time.
"""

from __future__ import annotations

from typing import Any

from illustrate_scenes.subtitle_tracks import SubtitleOptions, Track
from subtitle_writer.profiles import load_profiles
from subtitle_writer.translation import batches, flow, sentences


class TranslationUnavailable(ValueError):
    """This track cannot be translated (unknown source language, same language); the message says why."""


def translate_source_code(language: str) -> str:
    """Translate's code for a Transcribe language: the primary subtag, except Chinese scripts (zh-TW, zh-CN -> zh)."""
    if language in ("", "und"):
        raise TranslationUnavailable(
            "the transcript's language is unknown, and translating from 'auto' would need Amazon Comprehend"
        )
    return "zh-TW" if language == "zh-TW" else language.split("-", maxsplit=1)[0]


def translate_track(original: Track, target: str, options: SubtitleOptions, translate: Any) -> Track:
    """The original track in `target`, or an exception (TranslationUnavailable, botocore errors) saying why not."""
    source = translate_source_code(original.language)
    if target.split("-", maxsplit=1)[0] == source.split("-")[0] and target != "zh-TW":
        raise TranslationUnavailable(f"{target} is the transcript's own language")
    extra = {"TerminologyNames": list(options.terminology_names)} if options.terminology_names else {}

    def call(text: str) -> str:
        response = translate.translate_text(Text=text, SourceLanguageCode=source, TargetLanguageCode=target, **extra)
        return str(response["TranslatedText"])

    spoken = sentences(original.words, original.profile.word_joiner)
    texts = [s.text for s in spoken]
    translated = [""] * len(texts)
    for group in batches(texts):
        lines = call("\n".join(texts[i] for i in group)).split("\n")
        if len(lines) != len(group):
            lines = [call(texts[i]).replace("\n", " ") for i in group]
        for index, line in zip(group, lines, strict=True):
            translated[index] = line.strip()
    table = load_profiles()
    profile = table.for_language(target)
    cues = flow(spoken, translated, profile, table.break_rules(target))
    return Track(target, "translation", profile, tuple(cues))
