"""Stand-in for Amazon Translate, which moto does not emulate (aws-facts.md 4.1).

It cannot translate: `translate_text` answers with a clearly labelled English placeholder that keeps the source text's
Latin-script words, checks the request as the service does (10,000-byte limit, no "auto" without Comprehend) and
records every call. The image function uses Translate only when the prompt director is off or failed.
Installed with `pipeline_core.aws.override("translate", ...)`.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import boto3

from local_stack.environment import FAKE_CREDENTIALS, REGION

MAX_TEXT_BYTES = 10_000


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
        self.calls: list[dict[str, str]] = []

    def _error(self, code: str, message: str) -> Exception:
        error_class = getattr(self.exceptions, code, self.exceptions.ClientError)
        return error_class(
            {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}}, "TranslateText"
        )

    def translate_text(
        self, *, Text: str, SourceLanguageCode: str, TargetLanguageCode: str, **_: Any
    ) -> dict[str, Any]:
        if len(Text.encode("utf-8")) > MAX_TEXT_BYTES:
            raise self._error("TextSizeLimitExceededException", "Input text size exceeds limit (10000 bytes).")
        if SourceLanguageCode == "auto":
            raise self._error("AccessDeniedException", "auto needs comprehend:DetectDominantLanguage")
        with self._lock:
            self.calls.append({"Text": Text, "SourceLanguageCode": SourceLanguageCode})
        kept = " ".join(re.findall(r"[A-Za-z][A-Za-z'-]*", Text)[:40])
        translated = f"[stand-in translation from {SourceLanguageCode}, not a real translation] {kept}".strip()
        return {
            "TranslatedText": translated,
            "SourceLanguageCode": SourceLanguageCode,
            "TargetLanguageCode": TargetLanguageCode,
            "AppliedTerminologies": [],
        }
