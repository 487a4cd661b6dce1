#!/usr/bin/env python3
"""Re-drive failed events: invoke a function again with each event kept in its dead-letter queue.

    python3 scripts/redrive.py image --dry-run       # show what is waiting, change nothing
    python3 scripts/redrive.py image                 # re-drive every event of the image function
    python3 scripts/redrive.py transcription --max 10

When a function gives up on an event (its retries failed, or the event grew older than the maximum event age),
Lambda sends an invocation record to the function's on-failure destination: the SQS dead-letter queue the module
creates. The record holds the original S3 event and the last error. Find and fix the cause first (the error printed
here, the function's log), then re-drive: each event is sent to the function as a new asynchronous invocation
(lambda:Invoke, InvocationType Event), and its message is deleted only after Lambda accepted the invocation. An event
that fails again comes back to the queue as a new record once its retries are used up.

Re-driving never duplicates work: job names are derived from the uploaded object and a manifest records the
transcript's ETag, so an event whose work is already done is a no-op. A message that is not an invocation record or
an S3 event, or that was recorded for another function, is left in the queue and reported.

Settings, first found wins: the flag, then `terraform output -json` run in --terraform-dir (default: .):

    queue URL      --queue-url       output transcription_dead_letter_queue_url / image_dead_letter_queue_url
    function       --function-name   output transcription_function_name / image_function_name

Your AWS credentials need sqs:ReceiveMessage, sqs:DeleteMessage and sqs:ChangeMessageVisibility on the queue,
kms:Decrypt on the module's KMS key when the queues use one, and lambda:InvokeFunction on the function.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import unquote_plus

from cli_common.errors import ArgumentParser, CliError
from cli_common.errors import run as run_main
from cli_common.inputs import aws_session, existing_directory, number
from client import terraform_outputs

EXIT_OK = 0
EXIT_INCOMPLETE = 1  # an invocation failed, or messages were left in the queue
EXIT_USAGE = 2

STAGES = {  # stage -> (terraform output of the queue URL, terraform output of the function name)
    "transcription": ("transcription_dead_letter_queue_url", "transcription_function_name"),
    "image": ("image_dead_letter_queue_url", "image_function_name"),
}
# Messages received stay hidden this long; plenty for one batch of ten invocations.
VISIBILITY_TIMEOUT = 120
_QUEUE_REGION = re.compile(r"^https://(?:sqs\.([a-z0-9-]+)\.amazonaws\.com|([a-z0-9-]+)\.queue\.amazonaws\.com)")
_FUNCTION_ARN = re.compile(r"^arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:([^:]+)")


class UsageError(CliError):
    """Bad arguments or a missing setting; the message says which."""


class UnusableMessage(ValueError):
    """A queue message that cannot be re-driven; it stays in the queue."""


@dataclass(frozen=True)
class FailedEvent:
    """One dead-letter message: the event to invoke the function with, and what the record says about the failure."""

    payload: dict[str, Any]
    condition: str | None = None  # RetriesExhausted | EventAgeExceeded (None: a bare event from a dead-letter queue)
    attempts: int | None = None
    error: str | None = None
    function_arn: str | None = None

    def objects(self) -> list[str]:
        """s3://bucket/key of every record of the S3 event, keys decoded."""
        found = []
        for record in self.payload.get("Records") or []:
            s3 = record.get("s3") if isinstance(record, dict) else None
            if isinstance(s3, dict):
                bucket = (s3.get("bucket") or {}).get("name", "?")
                key = unquote_plus(str((s3.get("object") or {}).get("key", "?")))
                found.append(f"s3://{bucket}/{key}")
        return found

    def summary(self) -> str:
        why = self.condition or "dead-lettered"
        if self.attempts:
            why += f" after {self.attempts} attempt{'s' if self.attempts != 1 else ''}"
        if self.error:
            why += f": {shorten(self.error)}"
        return f"{', '.join(self.objects()) or 'event without S3 records'} ({why})"


def shorten(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_message(body: str) -> FailedEvent:
    """The event in a dead-letter message: Lambda's invocation record (on-failure destination) or, as a dead-letter
    queue set with dead_letter_config receives it, the bare event."""
    try:
        document = json.loads(body)
    except ValueError:
        raise UnusableMessage("the message is not JSON") from None
    if not isinstance(document, dict):
        raise UnusableMessage("the message is not a JSON object")
    if "requestPayload" in document:
        payload = document["requestPayload"]
        if not isinstance(payload, dict):
            raise UnusableMessage("the invocation record's requestPayload is not a JSON object")
        context = document.get("requestContext") if isinstance(document.get("requestContext"), dict) else {}
        response = document.get("responsePayload")
        error = None
        if isinstance(response, dict):
            error = ": ".join(str(part) for part in (response.get("errorType"), response.get("errorMessage")) if part)
        count = context.get("approximateInvokeCount")
        arn = context.get("functionArn")
        return FailedEvent(
            payload=payload,
            condition=str(context["condition"]) if context.get("condition") else None,
            attempts=count if isinstance(count, int) else None,
            error=error or None,
            function_arn=arn if isinstance(arn, str) else None,
        )
    if isinstance(document.get("Records"), list):
        return FailedEvent(payload=document)
    raise UnusableMessage("the message is neither a Lambda invocation record nor an S3 event")


def function_name_of(name_or_arn: str) -> str:
    match = _FUNCTION_ARN.match(name_or_arn)
    return match.group(1) if match else name_or_arn


def recorded_for_another_function(event: FailedEvent, function: str) -> str | None:
    """The other function's name when the record names one (e.g. the wrong queue was given), else None."""
    if not event.function_arn:
        return None
    recorded = function_name_of(event.function_arn)
    return recorded if recorded != function_name_of(function) else None


def region_of_queue(queue_url: str) -> str | None:
    match = _QUEUE_REGION.match(queue_url)
    return (match.group(1) or match.group(2)) if match else None


@dataclass
class Report:
    redriven: list[str] = field(default_factory=list)  # message ids
    left: list[str] = field(default_factory=list)  # unusable or another function's
    failed: list[str] = field(default_factory=list)  # the invocation was not accepted

    @property
    def complete(self) -> bool:
        return not self.left and not self.failed


@dataclass
class _Run:
    sqs: Any
    lambda_client: Any
    queue_url: str
    function: str
    dry_run: bool
    out: TextIO
    report: Report = field(default_factory=Report)
    # Receipt handles of the messages that stay: made visible again when the run ends, not after the timeout.
    release: list[str] = field(default_factory=list)

    def keep(self, message: dict[str, Any], why: str) -> None:
        self.report.left.append(message["MessageId"])
        self.release.append(message["ReceiptHandle"])
        self.out.write(f"left in queue  message {message['MessageId']}: {why}\n")

    def handle(self, message: dict[str, Any]) -> bool:
        """One message; True when re-driving must stop (the function did not accept an invocation)."""
        try:
            event = parse_message(message["Body"])
        except UnusableMessage as err:
            self.keep(message, str(err))
            return False
        other = recorded_for_another_function(event, self.function)
        if other is not None:
            self.keep(
                message,
                f"recorded for function {other}, not {function_name_of(self.function)}; re-drive it with that "
                "function's name and queue",
            )
            return False
        if self.dry_run:
            self.report.redriven.append(message["MessageId"])
            self.release.append(message["ReceiptHandle"])
            self.out.write(f"would re-drive {event.summary()}\n")
            return False
        try:
            response = self.lambda_client.invoke(
                FunctionName=self.function, InvocationType="Event", Payload=json.dumps(event.payload).encode("utf-8")
            )
            status = int(response.get("StatusCode", 0))
            if status != 202:
                raise RuntimeError(f"Lambda answered {status}, expected 202 for an asynchronous invocation")
        except Exception as err:  # permissions, throttling, a missing function: the message stays for the next run
            self.report.failed.append(message["MessageId"])
            self.release.append(message["ReceiptHandle"])
            self.out.write(
                f"invoke failed  {event.summary()}: {shorten(str(err))}; stopping, the message stays in the queue\n"
            )
            return True
        try:
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        except Exception as err:  # harmless: the message comes back, and re-driving it again is a no-op
            self.out.write(
                f"note: message {message['MessageId']} was re-driven but not deleted ({shorten(str(err))})\n"
            )
        self.report.redriven.append(message["MessageId"])
        self.out.write(f"re-driven      {event.summary()}\n")
        return False


def redrive(
    sqs: Any,
    lambda_client: Any,
    queue_url: str,
    function: str,
    *,
    dry_run: bool = False,
    max_messages: int | None = None,
    wait_seconds: int = 2,
    out: TextIO | None = None,
) -> Report:
    """Re-drive up to `max_messages` messages (all when None) from `queue_url` into `function`; print each step."""
    run = _Run(sqs, lambda_client, queue_url, function, dry_run, out or sys.stdout)
    seen: set[str] = set()
    stopped = False
    try:
        while not stopped and (max_messages is None or len(seen) < max_messages):
            wanted = 10 if max_messages is None else min(10, max_messages - len(seen))
            messages = sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=wanted,
                WaitTimeSeconds=wait_seconds,
                VisibilityTimeout=VISIBILITY_TIMEOUT,
            ).get("Messages", [])
            fresh = [message for message in messages if message["MessageId"] not in seen]
            if not fresh:
                break
            for message in fresh:
                seen.add(message["MessageId"])
                if stopped:
                    run.release.append(message["ReceiptHandle"])
                else:
                    stopped = run.handle(message)
    finally:
        for handle in run.release:
            try:
                sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=handle, VisibilityTimeout=0)
            except Exception as err:  # it becomes visible by itself after the visibility timeout
                run.out.write(f"note: a message stays hidden for up to {VISIBILITY_TIMEOUT} s ({shorten(str(err))})\n")
    return run.report


# --- command line ---------------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="redrive.py",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1]
        + "\nexit codes: 0 done (also when the queue is empty), 1 an invocation failed or messages were left in the "
        "queue, 2 usage or missing setting",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("stage", choices=sorted(STAGES), help="whose dead-letter queue to re-drive")
    parser.add_argument("--queue-url", help="the dead-letter queue (default: from terraform output)")
    parser.add_argument("--function-name", help="the function to invoke, name or ARN (default: from terraform output)")
    parser.add_argument("--dry-run", action="store_true", help="list the events; invoke nothing, delete nothing")
    parser.add_argument(
        "--max", type=number(int, minimum=1), metavar="N", help="handle at most N messages (default: all)"
    )
    parser.add_argument("--region", help="AWS Region (default: the queue URL's, else your AWS configuration's)")
    parser.add_argument(
        "--terraform-dir", type=Path, default=Path("."), help="where `terraform output -json` is run (default: .)"
    )
    return parser


def resolve(args: argparse.Namespace, outputs: Callable[[], Mapping[str, Any]]) -> tuple[str, str]:
    """(queue URL, function name) from the flags, else from the Terraform outputs."""
    queue_output, function_output = STAGES[args.stage]
    queue_url, function = args.queue_url, args.function_name
    if not (queue_url and function):
        found = outputs()
        queue_url = queue_url or found.get(queue_output)
        function = function or found.get(function_output)
    missing = [
        f"--{flag} (or terraform output {output})"
        for flag, output, value in (
            ("queue-url", queue_output, queue_url),
            ("function-name", function_output, function),
        )
        if not value
    ]
    if missing:
        raise UsageError(
            f"missing {' and '.join(missing)}; pass the flags, or run in (or point --terraform-dir at) the "
            "configuration that deploys the module"
        )
    return str(queue_url), str(function)


def aws_clients(region: str | None) -> tuple[Any, Any]:
    """SQS and Lambda clients, once credentials and a Region are known to be there (else a UsageError)."""
    try:
        session = aws_session(region)
    except CliError as err:
        raise UsageError(str(err)) from None
    return session.client("sqs"), session.client("lambda")


def main(
    argv: Sequence[str] | None = None,
    *,
    clients: Callable[[str | None], tuple[Any, Any]] = aws_clients,
    outputs: Callable[[Path], Mapping[str, Any]] = terraform_outputs,
    out: TextIO | None = None,
    wait_seconds: int = 2,
) -> int:
    args = build_parser().parse_args(argv)
    out = out or sys.stdout
    try:
        existing_directory(args.terraform_dir, "--terraform-dir")
        queue_url, function = resolve(args, lambda: outputs(args.terraform_dir))
        sqs, lambda_client = clients(args.region or region_of_queue(queue_url))
    except CliError as err:
        sys.stderr.write(f"redrive.py: error: {err}\n")
        return EXIT_USAGE
    mode = " (dry run: nothing is invoked or deleted)" if args.dry_run else ""
    out.write(f"re-driving {queue_url} into {function}{mode}\n")
    report = redrive(
        sqs,
        lambda_client,
        queue_url,
        function,
        dry_run=args.dry_run,
        max_messages=args.max,
        wait_seconds=wait_seconds,
        out=out,
    )
    verb = "would be re-driven" if args.dry_run else "re-driven"
    out.write(
        f"done: {len(report.redriven)} {verb}, {len(report.left)} left in the queue, "
        f"{len(report.failed)} invocation(s) failed\n"
    )
    return EXIT_OK if report.complete else EXIT_INCOMPLETE


if __name__ == "__main__":
    run_main(main, "redrive.py")
