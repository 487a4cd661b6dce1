"""Stand-in for Amazon Translate's TranslateText, which moto does not emulate (aws-facts.md 4.1).

The image function calls Translate for two things: scene text into English when the prompt director is off or failed,
and the transcript's sentences into each language of SUBTITLE_LANGUAGES. This stand-in cannot translate. It refuses
what the service refuses (more than 10,000 bytes of UTF-8, `auto` as the source without Comprehend, a missing field)
with the service's error codes, records every request, and answers each line of the text with a clearly labelled
placeholder, keeping the line breaks as Translate does: into English it keeps only the line's Latin-script words (an
image prompt must not carry text the image models cannot read), into any other language the line itself behind a
short label (subtitle lines are narrow).
Installed with `pipeline_core.aws.override("translate", ...)`.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import boto3

from local_stack.environment import FAKE_CREDENTIALS, REGION

MAX_TEXT_BYTES = 10_000
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def placeholder(line: str, source: str, target: str) -> str:
    """What the stand-in answers for one line: a label, then what it can keep of the line."""
    if not line:
        return ""
    if target.split("-", maxsplit=1)[0] == "en":
        return f"[stand-in translation from {source}] {' '.join(_LATIN_WORD.findall(line)[:40])}".rstrip()
    return f"[stand-in {target}] {line}"  # short: subtitle lines are narrow


class TranslateStandIn:
    def __init__(self) -> None:
        # A real client, never used to send anything, lends its error classes.
        shape = boto3.session.Session().client(
            "translate",
            region_name=REGION,
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )
        self.exceptions = shape.exceptions
        self.meta = shape.meta
        self._lock = threading.Lock()
        self.calls: list[dict[str, Any]] = []

    def _error(self, code: str, message: str) -> Exception:
        error_class = getattr(self.exceptions, code, self.exceptions.ClientError)
        return error_class(
            {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}}, "TranslateText"
        )

    def translate_text(self, **request: Any) -> dict[str, Any]:
        text = request.get("Text")
        source, target = request.get("SourceLanguageCode"), request.get("TargetLanguageCode")
        if not isinstance(text, str) or not source or not target:
            raise self._error("ValidationException", "Text, SourceLanguageCode and TargetLanguageCode are required")
        if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
            raise self._error(
                "TextSizeLimitExceededException", "Input text size exceeds limit. Max length is 10000 bytes."
            )
        if source == "auto":
            raise self._error("AccessDeniedException", "auto needs comprehend:DetectDominantLanguage")
        with self._lock:
            self.calls.append(dict(request))
        return {
            "TranslatedText": "\n".join(placeholder(line, source, target) for line in text.split("\n")),
            "SourceLanguageCode": source,
            "TargetLanguageCode": target,
            "AppliedTerminologies": [{"Name": name, "Terms": []} for name in request.get("TerminologyNames", [])],
        }
