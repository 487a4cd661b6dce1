"""The buckets' event notifications, derived from the contract exactly as the Terraform module derives them.

Terraform attaches the filters to Lambda functions; locally the same filters send the events to SQS queues, from which
the dispatcher invokes the handlers. S3 filter rules are case-sensitive and a configuration holds at most one suffix,
so every accepted extension gets a configuration of its own, in lower and upper case.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline_core.contract import CONTRACT

EVENTS = ["s3:ObjectCreated:*"]


@dataclass(frozen=True)
class KeyFilter:
    prefix: str | None = None
    suffix: str | None = None

    def rules(self) -> list[dict[str, str]]:
        rules = []
        if self.prefix:
            rules.append({"Name": "prefix", "Value": self.prefix})
        if self.suffix:
            rules.append({"Name": "suffix", "Value": self.suffix})
        return rules


def audio_filters() -> list[KeyFilter]:
    """Audio bucket -> transcription function: one filter per accepted extension, any prefix."""
    return [KeyFilter(suffix=suffix) for suffix in CONTRACT.audio_suffixes()]


def transcript_filters() -> list[KeyFilter]:
    """Transcript bucket -> image function: transcripts only, never the job records, rejections or subtitles."""
    return [KeyFilter(prefix=CONTRACT.transcript_prefix, suffix=CONTRACT.transcript_suffix)]


def queue_configuration(name: str, queue_arn: str, filters: list[KeyFilter]) -> dict[str, Any]:
    """PutBucketNotificationConfiguration body sending the filtered ObjectCreated events to one queue."""
    configurations = []
    for index, key_filter in enumerate(filters):
        configuration: dict[str, Any] = {"Id": f"{name}-{index}", "QueueArn": queue_arn, "Events": list(EVENTS)}
        if key_filter.rules():
            configuration["Filter"] = {"Key": {"FilterRules": key_filter.rules()}}
        configurations.append(configuration)
    return {"QueueConfigurations": configurations}
