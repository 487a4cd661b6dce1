"""Nothing is lost: a stage that keeps failing leaves its event in the dead-letter queue after the retries; once the
cause is fixed, scripts/redrive.py puts it back into the pipeline and the result appears. Re-driving an event whose
work is done changes nothing, because both handlers are idempotent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_plus

import client
import pytest
import redrive
from e2e_support import (
    QUICK_IMAGE_SETTINGS,
    SAMPLE,
    WAIT_SECONDS,
    FaultyTranscribe,
    deployment_of,
    instant_throttle_backoff,
    log_lines,
    queued,
    run_redrive,
    wait_for,
)
from local_stack import environment
from local_stack.environment import ILLUSTRATION, TRANSCRIPTION
from local_stack.stack import LocalStack, StackOptions

from pipeline_core import aws, naming

pytestmark = pytest.mark.e2e

QUOTA_MARKER = "at-the-job-quota"


@pytest.fixture(scope="module")
def stack(loopback_only: list[str]) -> Iterator[LocalStack]:
    with (
        LocalStack(StackOptions(name="redrive", image_settings=dict(QUICK_IMAGE_SETTINGS))) as local,
        instant_throttle_backoff(),
    ):
        yield local


@pytest.fixture(scope="module")
def transcribe(stack: LocalStack) -> Iterator[FaultyTranscribe]:
    faulty = FaultyTranscribe(stack.transcribe, {QUOTA_MARKER: "LimitExceededException"})
    with aws.override("transcribe", faulty):
        yield faulty


def peek(stack: LocalStack, function: str) -> list[dict[str, Any]]:
    """The dead-letter messages' bodies, left in the queue and visible."""
    messages = stack.sqs.receive_message(
        QueueUrl=stack.dead_letter_queue_url(function), MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0
    ).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


def names(invocation: Any, part: str) -> bool:
    """Whether one of the invocation's S3 keys (decoded, as the handler sees them) contains `part`."""
    return any(part in unquote_plus(key) for key in invocation.keys)


def dead_lettered(stack: LocalStack, function: str, part: str) -> list[Any]:
    assert stack.dispatcher is not None
    return [d for d in stack.dispatcher.dead_lettered() if d.function == function and names(d, part)]


def attempts(stack: LocalStack, function: str, part: str) -> list[Any]:
    assert stack.dispatcher is not None
    return [i for i in stack.dispatcher.invocations(function) if names(i, part)]


def read_json(stack: LocalStack, bucket: str, key: str) -> dict[str, Any]:
    return json.loads(stack.s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def test_image_stage_failing_then_fixed_and_re_driven(stack: LocalStack) -> None:
    bedrock = stack.bedrock_stand_in
    assert bedrock is not None
    # Every image request is throttled, as when the account's Bedrock quota is used up by something else.
    bedrock.answer_with(lambda model, prompt, request: bedrock.error("ThrottlingException", "Too many requests", 429))
    uploaded = client.upload(client.check_file(SAMPLE), stage_url=stack.stage_url, api_key=stack.api_key, folder="i")
    wait_for(stack, lambda: bool(dead_lettered(stack, ILLUSTRATION, "transcripts/")), "the image event dead-lettered")
    stack.wait_until_idle(WAIT_SECONDS)

    [record] = [a.result for a in attempts(stack, TRANSCRIPTION, "i/")]
    [job] = record["started"]
    transcript_key = naming.transcript_key(job)
    tries = attempts(stack, ILLUSTRATION, transcript_key)
    assert len(tries) == 1 + environment.MAXIMUM_RETRY_ATTEMPTS[ILLUSTRATION]  # retried, then given up: no storm
    assert all(t.error and "throttled" in t.error for t in tries)
    pending = read_json(stack, stack.buckets.image, naming.manifest_key(job))
    assert (pending["status"], pending["retryable"]) == ("failed", True)
    assert "dead-letter queue" in pending["reason"]
    assert not [k for k in stack.list_keys(stack.buckets.image, naming.image_prefix(job)) if k.endswith(".png")]

    # The queue holds Lambda's invocation record for the original S3 event.
    [body] = peek(stack, ILLUSTRATION)
    assert body["version"] == "1.0"
    assert body["requestContext"]["condition"] == "RetriesExhausted"
    assert body["requestContext"]["approximateInvokeCount"] == len(tries)
    assert body["requestContext"]["functionArn"].split(":")[6] == stack.function_name(ILLUSTRATION)
    assert body["requestContext"]["requestId"] == tries[0].request_id == tries[-1].request_id
    assert body["requestPayload"] == tries[0].event
    assert body["responseContext"]["functionError"] == "Unhandled"
    assert body["responsePayload"]["errorType"] == "RecordsFailed"
    assert "throttled" in body["responsePayload"]["errorMessage"]

    # A dry run shows the event and changes nothing.
    code, printed = run_redrive(stack, "image", "--dry-run")
    assert code == 0
    shown = f"s3://{stack.buckets.transcript}/{transcript_key} (RetriesExhausted after {len(tries)} attempts"
    assert f"would re-drive {shown}" in printed
    assert queued(stack, ILLUSTRATION) == 1
    assert len(attempts(stack, ILLUSTRATION, transcript_key)) == len(tries)

    # The cause is fixed; the re-drive puts the event back and the gallery appears.
    bedrock.answer_with(None)
    code, printed = run_redrive(stack, "image")
    assert code == 0, printed
    assert f"re-driven      s3://{stack.buckets.transcript}/{transcript_key}" in printed
    assert "done: 1 re-driven, 0 left in the queue, 0 invocation(s) failed" in printed
    wait_for(stack, lambda: len(attempts(stack, ILLUSTRATION, transcript_key)) > len(tries), "the re-driven run")
    stack.wait_until_idle(WAIT_SECONDS)
    assert queued(stack, ILLUSTRATION) == 0
    followed = client.follow(
        uploaded.key, deployment_of(stack), stack.s3, timeout=WAIT_SECONDS, poll_seconds=0.1
    )  # returns at once: the manifest is final now
    assert followed.job == job
    assert followed.manifest["status"] == "complete"
    images = [scene["image_key"] for scene in followed.manifest["scenes"]]
    assert images
    assert set(images) <= set(stack.list_keys(stack.buckets.image, naming.image_prefix(job)))
    assert naming.gallery_key(job) in stack.list_keys(stack.buckets.image, naming.image_prefix(job))

    # Re-driving the same record again (say it had been delivered twice) does no work twice.
    writes, calls = len(stack.image_writes.writes()), len(bedrock.calls("invoke_model"))
    manifest_before = stack.list_keys(stack.buckets.image, naming.manifest_key(job))
    stack.sqs.send_message(QueueUrl=stack.dead_letter_queue_url(ILLUSTRATION), MessageBody=json.dumps(body))
    runs = len(attempts(stack, ILLUSTRATION, transcript_key))
    code, printed = run_redrive(stack, "image")
    assert code == 0, printed
    wait_for(stack, lambda: len(attempts(stack, ILLUSTRATION, transcript_key)) > runs, "the second re-driven run")
    stack.wait_until_idle(WAIT_SECONDS)
    [again] = attempts(stack, ILLUSTRATION, transcript_key)[runs:]
    assert again.error is None
    assert [r["outcome"] for r in again.result["records"]] == ["skipped"]
    assert (len(stack.image_writes.writes()), len(bedrock.calls("invoke_model"))) == (writes, calls)
    assert stack.list_keys(stack.buckets.image, naming.manifest_key(job)) == manifest_before
    assert any(line["message"] == "transcript already illustrated; skipped" for line in log_lines(stack, ILLUSTRATION))


def test_transcription_stage_failing_then_fixed_and_re_driven(stack: LocalStack, transcribe: FaultyTranscribe) -> None:
    folder = QUOTA_MARKER
    uploaded = client.upload(client.check_file(SAMPLE), stage_url=stack.stage_url, api_key=stack.api_key, folder=folder)
    wait_for(stack, lambda: bool(dead_lettered(stack, TRANSCRIPTION, folder)), "the upload event dead-lettered")
    stack.wait_until_idle(WAIT_SECONDS)

    tries = attempts(stack, TRANSCRIPTION, folder)
    assert len(tries) == 1 + environment.MAXIMUM_RETRY_ATTEMPTS[TRANSCRIPTION]
    assert len(transcribe.calls_for(folder)) == len(tries)  # one StartTranscriptionJob per attempt, no storm
    failed = [
        line
        for line in log_lines(stack, TRANSCRIPTION)
        if line["message"] == "record failed; the event will be retried" and line.get("key") == uploaded.key
    ]
    assert len(failed) == len(tries)
    assert {line["error"] for line in failed} == {"LimitExceededException"}
    job = failed[0]["job_name"]
    assert job not in stack.job_names()
    transcript_keys = stack.list_keys(stack.buckets.transcript)
    assert naming.job_record_key(job) not in transcript_keys
    assert naming.rejection_key(job) not in transcript_keys
    [body] = peek(stack, TRANSCRIPTION)
    assert "LimitExceededException" in body["responsePayload"]["errorMessage"]

    transcribe.fix(folder)  # the quota was raised, or other jobs finished
    code, printed = run_redrive(stack, "transcription")
    assert code == 0, printed
    assert f"re-driven      s3://{stack.buckets.audio}/{uploaded.key} (RetriesExhausted after {len(tries)} " in printed
    followed = client.follow(uploaded.key, deployment_of(stack), stack.s3, timeout=WAIT_SECONDS, poll_seconds=0.1)
    stack.wait_until_idle(WAIT_SECONDS)
    assert followed.job == job
    assert followed.manifest["status"] == "complete"
    assert queued(stack, TRANSCRIPTION) == 0
    assert stack.job_names().count(job) == 1

    # The same record re-driven again: the job is already started, nothing new is started or written.
    jobs, transcripts = sorted(stack.job_names()), stack.list_keys(stack.buckets.transcript)
    runs = len(attempts(stack, TRANSCRIPTION, folder))
    stack.sqs.send_message(QueueUrl=stack.dead_letter_queue_url(TRANSCRIPTION), MessageBody=json.dumps(body))
    assert run_redrive(stack, "transcription")[0] == 0
    wait_for(stack, lambda: len(attempts(stack, TRANSCRIPTION, folder)) > runs, "the second re-driven run")
    stack.wait_until_idle(WAIT_SECONDS)
    [again] = attempts(stack, TRANSCRIPTION, folder)[runs:]
    assert again.result["already_started"] == [job]
    assert sorted(stack.job_names()) == jobs
    assert stack.list_keys(stack.buckets.transcript) == transcripts


def test_a_record_for_the_other_function_is_left_in_the_queue(stack: LocalStack) -> None:
    record = {
        "version": "1.0",
        "requestContext": {"functionArn": stack.dispatcher.function_arn(TRANSCRIPTION) + ":$LATEST"},  # type: ignore[union-attr]
        "requestPayload": {"Records": []},
    }
    stack.sqs.send_message(QueueUrl=stack.dead_letter_queue_url(ILLUSTRATION), MessageBody=json.dumps(record))
    invoked = len(stack.lambda_client.invoked())  # type: ignore[union-attr]
    code, printed = run_redrive(stack, "image")
    assert code == redrive.EXIT_INCOMPLETE
    assert f"recorded for function {stack.function_name(TRANSCRIPTION)}" in printed
    assert len(stack.lambda_client.invoked()) == invoked  # type: ignore[union-attr]
    assert queued(stack, ILLUSTRATION) == 1
