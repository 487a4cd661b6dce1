"""A function that fails is retried like Lambda's asynchronous invocation, then its event goes to its dead-letter
queue; the other function is unaffected. Here the image function gets an image size its model cannot make."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from urllib.parse import unquote_plus

import client
import pytest
from e2e_support import SAMPLE, WAIT_SECONDS
from local_stack import environment
from local_stack.stack import LocalStack, StackOptions

from pipeline_core import naming
from pipeline_core.models import CATALOGUE

RETIRED = "amazon.nova-canvas-v1:0"
REFUSAL = str(CATALOGUE.refusal(RETIRED, "image"))

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(loopback_only: list[str]) -> Iterator[LocalStack]:
    # A retired model: the image function refuses this configuration at start, on every invocation.
    options = StackOptions(name="failing", image_settings={"IMAGE_MODEL_ID": RETIRED})
    with LocalStack(options) as local:
        yield local


def test_failed_event_is_retried_then_dead_lettered(stack: LocalStack) -> None:
    assert stack.dispatcher is not None
    uploaded = client.upload(client.check_file(SAMPLE), stage_url=stack.stage_url, api_key=stack.api_key, folder="f")

    deadline = time.monotonic() + WAIT_SECONDS
    while not stack.dispatcher.dead_lettered():
        if time.monotonic() > deadline:
            timeline = "\n".join(entry.line() for entry in stack.timeline.entries())
            pytest.fail(f"no event reached a dead-letter queue within {WAIT_SECONDS:.0f} s:\n{timeline}")
        time.sleep(0.05)
    stack.wait_until_idle(WAIT_SECONDS)

    [dead] = stack.dispatcher.dead_lettered()
    assert dead.function == environment.ILLUSTRATION
    attempts = stack.dispatcher.invocations(environment.ILLUSTRATION)
    assert len(attempts) == 1 + environment.MAXIMUM_RETRY_ATTEMPTS[environment.ILLUSTRATION]
    assert all(REFUSAL in (attempt.error or "") for attempt in attempts)

    dlq = stack.routes[environment.ILLUSTRATION].dead_letter_queue_url
    [message] = stack.sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
    # The invocation record Lambda sends an on-failure destination: the event, why it was given up, the last error.
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == len(attempts)
    assert REFUSAL in record["responsePayload"]["errorMessage"]
    assert "2026-09-30" in record["responsePayload"]["errorMessage"]
    event_key = record["requestPayload"]["Records"][0]["s3"]["object"]["key"]
    job = naming.job_from_transcript_key(unquote_plus(event_key))
    assert job is not None

    # The transcription function did its part; nothing reached the image bucket.
    [started] = stack.dispatcher.invocations(environment.TRANSCRIPTION)
    assert started.error is None
    assert stack.list_keys(stack.buckets.transcript, naming.transcript_key(job))
    assert stack.list_keys(stack.buckets.image) == {}
    assert uploaded.key == "f/sample-talk.mp3"
    assert stack.function_log.lines(), "the functions' log lines were not captured"
