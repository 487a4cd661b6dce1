"""The completion event: its shape, and once per file whatever the replays; a refused PutEvents is retried."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from pipeline_core import completion

BUCKET = "transcripts"
MARKER = "events/job-1.json"


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any, Any]]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    with mock_aws():
        s3, events, sqs = (boto3.client(name, region_name="eu-west-1") for name in ("s3", "events", "sqs"))
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        queue = sqs.create_queue(QueueName="seen")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name="done", EventPattern=json.dumps({"source": [completion.SOURCE]}))
        events.put_targets(Rule="done", Targets=[{"Id": "q", "Arn": arn}])
        yield s3, events, (sqs, queue)


def received(sqs_queue: Any) -> list[dict[str, Any]]:
    sqs, queue = sqs_queue
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def a_detail(status: str = "rejected") -> dict[str, Any]:
    return completion.detail(
        job="job-1",
        source_bucket="audio",
        source_key="talks/a.mp3",
        status=status,
        reason="empty-file: 0 bytes",
        result_keys={"record": "errors/job-1.json"},
    )


def test_the_event_is_put_once_whatever_the_replays(clients: tuple[Any, Any, Any]) -> None:
    s3, events, queue = clients
    assert completion.announce_once(s3, events, BUCKET, MARKER, a_detail()) is True
    assert completion.announce_once(s3, events, BUCKET, MARKER, a_detail()) is False
    [event] = received(queue)
    assert (event["source"], event["detail-type"]) == (completion.SOURCE, completion.DETAIL_TYPE)
    assert event["detail"]["job_name"] == "job-1"
    assert event["detail"]["status"] == "rejected"
    assert event["detail"]["source_key"] == "talks/a.mp3"
    marker = json.loads(s3.get_object(Bucket=BUCKET, Key=MARKER)["Body"].read())
    assert marker["event_id"]


class RefusingEvents:
    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        return {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"}]}


def test_a_refused_event_raises_and_leaves_no_marker_so_the_retry_sends_it(clients: tuple[Any, Any, Any]) -> None:
    s3, events, queue = clients
    with pytest.raises(completion.CompletionEventError, match="ThrottlingException: slow down"):
        completion.announce_once(s3, RefusingEvents(), BUCKET, MARKER, a_detail())
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0
    assert completion.announce_once(s3, events, BUCKET, MARKER, a_detail()) is True
    assert len(received(queue)) == 1


def test_status_must_be_one_of_the_contract() -> None:
    with pytest.raises(ValueError, match="'done' is not one of complete, partial, failed, rejected"):
        completion.detail(job="j", source_bucket=None, source_key=None, status="done")
