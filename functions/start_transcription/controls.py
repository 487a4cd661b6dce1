"""Transcription controls passed through to StartTranscriptionJob: custom vocabulary, vocabulary filter, and
redaction of personal information. Read and checked at start-up; pure, like jobs.py.

Rules (Amazon Transcribe API reference, StartTranscriptionJob / Settings / ContentRedaction; Developer Guide
"Redacting PII in your batch job", read 2026-12-01):
- A custom vocabulary and a vocabulary filter belong to one language: with automatic language identification they
  would go into LanguageIdSettings per candidate language instead, so this module asks for LANGUAGE_CODE.
- VocabularyFilterMethod is remove, mask (shown as ***) or tag; it needs VocabularyFilterName.
- PII redaction in batch jobs works for en-US and es-US, and since 2026-05-01 also fr-FR, fr-CA, de-DE, de-CH,
  it-IT, pt-PT and pt-BR (document history); it is "not compatible with language identification". Not for Korean.
  The subtitles then show `[PII]` where the transcript was redacted.
No extra IAM permission: the vocabulary and the filter are named in the same StartTranscriptionJob call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline_core.config import ConfigError, env_str

_RULES = json.loads(Path(__file__).with_name("controls.json").read_text(encoding="utf-8"))  # Terraform reads it too
FILTER_METHODS = tuple(_RULES["vocabulary_filter_methods"])
REDACTION_LANGUAGES = tuple(_RULES["redaction_languages"])
_NAME = re.compile(r"^[0-9a-zA-Z._-]{1,200}$")  # VocabularyName / VocabularyFilterName pattern and length


@dataclass(frozen=True)
class Controls:
    vocabulary_name: str | None = None
    vocabulary_filter_name: str | None = None
    vocabulary_filter_method: str = "mask"
    redact_pii: bool = False


def _name(variable: str, environ: Mapping[str, str] | None) -> str | None:
    value = env_str(variable, "", environ=environ)
    if value and not _NAME.match(value):
        raise ConfigError(
            f"environment variable {variable} must be a name of 1-200 letters, digits, '.', '_' or '-', got {value!r}"
        )
    return value or None


def load_controls(language_code: str | None, environ: Mapping[str, str] | None = None) -> Controls:
    """VOCABULARY_NAME, VOCABULARY_FILTER_NAME, VOCABULARY_FILTER_METHOD, REDACT_PII; ConfigError naming the one."""
    vocabulary = _name("VOCABULARY_NAME", environ)
    vocabulary_filter = _name("VOCABULARY_FILTER_NAME", environ)
    method = env_str("VOCABULARY_FILTER_METHOD", "mask", environ=environ).lower()
    if method not in FILTER_METHODS:
        raise ConfigError(
            f"environment variable VOCABULARY_FILTER_METHOD must be one of {', '.join(FILTER_METHODS)}, got {method!r}"
        )
    redact_text = env_str("REDACT_PII", "false", environ=environ).lower()
    if redact_text not in ("true", "false"):
        raise ConfigError(f"environment variable REDACT_PII must be true or false, got {redact_text!r}")
    redact = redact_text == "true"
    for variable, value in (("VOCABULARY_NAME", vocabulary), ("VOCABULARY_FILTER_NAME", vocabulary_filter)):
        if value and not language_code:
            raise ConfigError(
                f"environment variable {variable} needs LANGUAGE_CODE: a vocabulary belongs to one language, and "
                "with automatic language identification Amazon Transcribe takes it only per candidate language"
            )
    if redact and language_code not in REDACTION_LANGUAGES:
        raise ConfigError(
            "environment variable REDACT_PII=true needs LANGUAGE_CODE set to a language Amazon Transcribe redacts "
            f"in batch jobs ({', '.join(REDACTION_LANGUAGES)}), got {language_code or 'automatic identification'}"
        )
    return Controls(vocabulary, vocabulary_filter, method, redact)


def control_parameters(controls: Controls) -> dict[str, Any]:
    """What the controls add to StartTranscriptionJob: `Settings` entries and `ContentRedaction`."""
    settings: dict[str, Any] = {}
    if controls.vocabulary_name:
        settings["VocabularyName"] = controls.vocabulary_name
    if controls.vocabulary_filter_name:
        settings["VocabularyFilterName"] = controls.vocabulary_filter_name
        settings["VocabularyFilterMethod"] = controls.vocabulary_filter_method
    parameters: dict[str, Any] = {"Settings": settings} if settings else {}
    if controls.redact_pii:
        # Only the redacted transcript: the unredacted one would be a second file next to it, with the PII.
        parameters["ContentRedaction"] = {"RedactionType": "PII", "RedactionOutput": "redacted"}
    return parameters
