"""scripts/redrive.py on its own: reading invocation records, its settings, and the re-drive loop against moto's SQS
with a recording Lambda client. tests/e2e/test_redrive.py runs it against the local stack."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import redrive
from botocore.exceptions import ClientError
from moto import mock_aws

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
S3_EVENT = json.loads((FIXTURES / "s3_event_put_lambda_docs.json").read_text())
FUNCTION = "demo-illustrate-scenes"
ARN = f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}"


def record(event: dict[str, Any], *, function_arn: str = ARN, condition: str = "RetriesExhausted") -> dict[str, Any]:
    """An invocation record as Lambda sends it to an SQS on-failure destination (Lambda developer guide example)."""
    return {
        "version": "1.0",
        "timestamp": "2019-11-14T18:16:05.568Z",
        "requestContext": {
            "requestId": "e4b46cbf-b738-xmpl-8880-a18cdf61200e",
            "functionArn": f"{function_arn}:$LATEST",
            "condition": condition,
            "approximateInvokeCount": 3,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorMessage": "1 record(s) failed: throttled", "errorType": "RecordsFailed"},
    }


def event_for(key: str) -> dict[str, Any]:
    event = copy.deepcopy(S3_EVENT)
    event["Records"][0]["s3"]["object"]["key"] = key
    return event


class RecordingLambda:
    """Lambda's Invoke as far as the re-drive uses it; `fail` makes it refuse like a missing permission does."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail = fail

    def invoke(self, **kwargs: Any) -> dict[str, Any]:
        if self.fail:
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}, "Invoke")
        self.calls.append({**kwargs, "Payload": json.loads(kwargs["Payload"])})
        return {"StatusCode": 202}


@pytest.fixture
def sqs(aws_env: None) -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("sqs")


@pytest.fixture
def queue(sqs: Any) -> str:
    return sqs.create_queue(QueueName=f"{FUNCTION}-dlq")["QueueUrl"]


def send(sqs: Any, queue: str, body: dict[str, Any] | str) -> None:
    sqs.send_message(QueueUrl=queue, MessageBody=body if isinstance(body, str) else json.dumps(body))


def waiting(sqs: Any, queue: str) -> tuple[int, int]:
    """(visible, hidden) messages."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


# --- messages ----------------------------------------------------------------------------------------------------


def test_an_invocation_record_gives_the_original_event_and_the_failure() -> None:
    event = event_for("talks/my+talk.mp3")
    parsed = redrive.parse_message(json.dumps(record(event, condition="EventAgeExceeded")))
    assert parsed.payload == event
    assert (parsed.condition, parsed.attempts) == ("EventAgeExceeded", 3)
    assert parsed.error == "RecordsFailed: 1 record(s) failed: throttled"
    assert parsed.objects() == [f"s3://{event['Records'][0]['s3']['bucket']['name']}/talks/my talk.mp3"]
    assert "EventAgeExceeded after 3 attempts" in parsed.summary()


def test_a_record_without_response_context_still_gives_the_event() -> None:
    """For EventAgeExceeded the function may never have run: no response context, no error."""
    bare = record(event_for("a.mp3"))
    del bare["responseContext"], bare["responsePayload"]
    parsed = redrive.parse_message(json.dumps(bare))
    assert (parsed.payload, parsed.error) == (bare["requestPayload"], None)


def test_a_bare_s3_event_as_a_dead_letter_queue_holds_it_is_accepted() -> None:
    parsed = redrive.parse_message(json.dumps(S3_EVENT))
    assert (parsed.payload, parsed.condition, parsed.function_arn) == (S3_EVENT, None, None)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"hello": "world"}', "neither"),
        ('{"requestPayload": "text", "requestContext": {}}', "requestPayload is not a JSON object"),
    ],
)
def test_unusable_messages_say_why(body: str, problem: str) -> None:
    with pytest.raises(redrive.UnusableMessage, match=problem):
        redrive.parse_message(body)


def test_function_names_regions_and_the_wrong_function() -> None:
    assert redrive.function_name_of(f"{ARN}:$LATEST") == FUNCTION
    assert redrive.function_name_of(FUNCTION) == FUNCTION
    parsed = redrive.parse_message(json.dumps(record(S3_EVENT)))
    assert redrive.recorded_for_another_function(parsed, FUNCTION) is None
    assert redrive.recorded_for_another_function(parsed, ARN) is None
    assert redrive.recorded_for_another_function(parsed, "demo-start-transcription") == FUNCTION
    assert redrive.region_of_queue("https://sqs.eu-west-1.amazonaws.com/123456789012/q") == "eu-west-1"
    assert redrive.region_of_queue("https://ap-south-1.queue.amazonaws.com/123456789012/q") == "ap-south-1"
    assert redrive.region_of_queue("http://127.0.0.1:5000/123456789012/q") is None


# --- settings ----------------------------------------------------------------------------------------------------


def run_main(argv: list[str], outputs: dict[str, Any], sqs: Any = None, lam: Any = None) -> tuple[int, str]:
    out = io.StringIO()
    code = redrive.main(
        argv, clients=lambda region: (sqs, lam), outputs=lambda directory: outputs, out=out, wait_seconds=0
    )
    return code, out.getvalue()


def test_queue_and_function_come_from_terraform_outputs(sqs: Any, queue: str) -> None:
    send(sqs, queue, record(event_for("a.mp3")))
    lam = RecordingLambda()
    outputs = {"image_dead_letter_queue_url": queue, "image_function_name": FUNCTION}
    code, printed = run_main(["image"], outputs, sqs, lam)
    assert code == 0
    assert [call["FunctionName"] for call in lam.calls] == [FUNCTION]
    assert f"re-driving {queue} into {FUNCTION}" in printed


def test_flags_win_and_missing_settings_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run_main(["transcription", "--queue-url", "https://q"], {})
    assert code == redrive.EXIT_USAGE
    assert "--function-name (or terraform output transcription_function_name)" in capsys.readouterr().err
    with pytest.raises(SystemExit) as raised:  # argparse refuses it, in one line
        run_main(["image", "--max", "0"], {})
    assert raised.value.code == redrive.EXIT_USAGE
    assert "--max: expected a whole number of at least 1, got '0'" in capsys.readouterr().err


def test_help_documents_the_command() -> None:
    text = redrive.build_parser().format_help()
    for part in ("--dry-run", "--max N", "image_dead_letter_queue_url", "lambda:InvokeFunction", "exit codes"):
        assert part in text


# --- the re-drive loop -------------------------------------------------------------------------------------------


def test_records_are_re_driven_and_deleted_and_the_rest_is_left_with_a_reason(sqs: Any, queue: str) -> None:
    events = [event_for(f"talks/{n}.mp3") for n in range(3)]
    for event in events:
        send(sqs, queue, record(event))
    send(sqs, queue, "garbage")
    send(sqs, queue, record(event_for("other.mp3"), function_arn=ARN.replace(FUNCTION, "demo-start-transcription")))
    lam = RecordingLambda()
    out = io.StringIO()

    report = redrive.redrive(sqs, lam, queue, FUNCTION, wait_seconds=0, out=out)

    assert sorted(json.dumps(call["Payload"]) for call in lam.calls) == sorted(json.dumps(e) for e in events)
    assert {call["InvocationType"] for call in lam.calls} == {"Event"}
    assert (len(report.redriven), len(report.left), report.failed) == (3, 2, [])
    assert waiting(sqs, queue) == (2, 0)  # the two it could not use, visible again at once
    printed = out.getvalue()
    assert printed.count("re-driven ") == 3
    assert "not JSON" in printed
    assert "recorded for function demo-start-transcription" in printed


def test_max_limits_the_messages_handled(sqs: Any, queue: str) -> None:
    for n in range(4):
        send(sqs, queue, record(event_for(f"{n}.mp3")))
    lam = RecordingLambda()
    report = redrive.redrive(sqs, lam, queue, FUNCTION, max_messages=3, wait_seconds=0, out=io.StringIO())
    assert (len(lam.calls), len(report.redriven)) == (3, 3)
    assert waiting(sqs, queue) == (1, 0)


def test_dry_run_invokes_and_deletes_nothing(sqs: Any, queue: str) -> None:
    send(sqs, queue, record(event_for("a.mp3")))
    send(sqs, queue, record(event_for("b.mp3")))
    lam = RecordingLambda()
    code, printed = run_main(["image", "--dry-run", "--queue-url", queue, "--function-name", FUNCTION], {}, sqs, lam)
    assert code == 0
    assert lam.calls == []
    assert printed.count("would re-drive") == 2
    assert "2 would be re-driven" in printed
    assert waiting(sqs, queue) == (2, 0)


def test_a_refused_invocation_stops_and_keeps_every_message(sqs: Any, queue: str) -> None:
    for n in range(3):
        send(sqs, queue, record(event_for(f"{n}.mp3")))
    code, printed = run_main(
        ["image", "--queue-url", queue, "--function-name", FUNCTION], {}, sqs, RecordingLambda(fail=True)
    )
    assert code == redrive.EXIT_INCOMPLETE
    assert printed.count("invoke failed") == 1
    assert "AccessDeniedException" in printed
    assert waiting(sqs, queue) == (3, 0)


def test_an_empty_queue_is_done(sqs: Any, queue: str) -> None:
    code, printed = run_main(["image", "--queue-url", queue, "--function-name", FUNCTION], {}, sqs, RecordingLambda())
    assert code == 0
    assert "done: 0 re-driven, 0 left in the queue, 0 invocation(s) failed" in printed
