"""Stand-in for Amazon Translate's TranslateText, which moto does not emulate. Installed with
`pipeline_core.aws.override("translate", ...)` so the image function's translated subtitle tracks run locally.

It refuses what the service refuses (more than 10,000 bytes of UTF-8, `auto` as the source without Comprehend, a
language missing) with the service's error codes, and answers each line of the text as `[stand-in <target>] <line>`,
keeping the line breaks as Translate does (aws-facts.md 4.1): labelled, so nobody takes it for a translation.
"""

from __future__ import annotations

import threading
from typing import Any

from botocore.exceptions import ClientError

MAX_TEXT_BYTES = 10_000


def _error(code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "TranslateText")


class TranslateStandIn:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []

    def translate_text(self, **request: Any) -> dict[str, Any]:
        text = request.get("Text")
        source, target = request.get("SourceLanguageCode"), request.get("TargetLanguageCode")
        if not isinstance(text, str) or not source or not target:
            raise _error("ValidationException", "Text, SourceLanguageCode and TargetLanguageCode are required")
        if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
            raise _error("TextSizeLimitExceededException", "Input text size exceeds limit. Max length is 10000 bytes.")
        if source == "auto":
            raise _error("AccessDeniedException", "auto needs comprehend:DetectDominantLanguage")
        with self._lock:
            self.requests.append(dict(request))
        translated = "\n".join(f"[stand-in {target}] {line}" if line else "" for line in text.split("\n"))
        return {
            "TranslatedText": translated,
            "SourceLanguageCode": source,
            "TargetLanguageCode": target,
            "AppliedTerminologies": [{"Name": name, "Terms": []} for name in request.get("TerminologyNames", [])],
        }
