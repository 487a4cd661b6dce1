"""Local stand-in for Lambda's S3 trigger: long-polls the queues the buckets notify and invokes the real handlers.

S3 invokes Lambda asynchronously with the same event JSON that it sends to SQS, so each queue message body is passed
to the handler unchanged. Like Lambda's asynchronous invocation, a failed event is retried (as often as the module's
defaults say, environment.MAXIMUM_RETRY_ATTEMPTS) and then goes to the function's dead-letter queue as the invocation
record an on-failure destination receives (`invocation_record`), so scripts/redrive.py reads the local queue exactly
as it reads the deployed one.
"""

from __future__ import annotations

import importlib
import json
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from local_stack import environment
from local_stack.timeline import Timeline

Handler = Callable[[dict[str, Any], Any], Any]

TEST_EVENT = "s3:TestEvent"


class LambdaContext:
    """The attributes of Lambda's context object that handlers use."""

    def __init__(
        self, function: str, timeout_seconds: int, region: str, account_id: str, request_id: str | None = None
    ) -> None:
        self.function_name = function
        self.function_version = "$LATEST"
        self.invoked_function_arn = function_arn(region, account_id, function)
        self.memory_limit_in_mb = "256"
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def function_arn(region: str, account_id: str, function: str) -> str:
    return f"arn:aws:lambda:{region}:{account_id}:function:{function}"


def request_id_for(message_id: str) -> str:
    """One request id for every attempt of an event, as Lambda keeps it across its asynchronous retries."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"local-lambda:{message_id}"))


def invocation_record(
    invocation: Invocation, function_arn_: str, *, condition: str = "RetriesExhausted", now: datetime | None = None
) -> dict[str, Any]:
    """What Lambda sends an on-failure destination when it gives up on an asynchronous event: the original event as
    `requestPayload`, why it gave up, and the last attempt's error as the Python runtime reports it."""
    moment = now or datetime.now(UTC)
    return {
        "version": "1.0",
        "timestamp": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {
            "requestId": invocation.request_id,
            "functionArn": f"{function_arn_}:$LATEST",
            "condition": condition,
            "approximateInvokeCount": invocation.attempt,
        },
        "requestPayload": invocation.event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {
            "errorMessage": invocation.error_message or "",
            "errorType": invocation.error_type or "Error",
            "requestId": invocation.request_id,
            "stackTrace": invocation.stack_trace,
        },
    }


def _package(module_name: str) -> str:
    return module_name.partition(".")[0]


@contextmanager
def fresh_container() -> Iterator[None]:
    """Handlers imported inside the block are imported anew, as in a new Lambda container: settings cached per
    container and clients created at import belong to this stack. Afterwards the modules the process had before are
    put back, so code that imported them earlier (other tests in the same process) keeps working with its own."""
    packages = {_package(handler) for handler in environment.HANDLERS.values()}
    saved = {name: module for name, module in sys.modules.items() if _package(name) in packages}
    for name in saved:
        del sys.modules[name]
    try:
        yield
    finally:
        for name in [name for name in sys.modules if _package(name) in packages]:
            del sys.modules[name]
        sys.modules.update(saved)


def load_handler(function: str, env: Mapping[str, str]) -> Handler:
    """Import the function's handler under the function's environment (inside `fresh_container`)."""
    module_name, _, attribute = environment.HANDLERS[function].rpartition(".")
    with environment.applied(env):
        module = importlib.import_module(module_name)
    return getattr(module, attribute)


@dataclass(frozen=True)
class Route:
    function: str
    queue_url: str
    dead_letter_queue_url: str


@dataclass
class Invocation:
    function: str
    message_id: str
    attempt: int
    event: dict[str, Any]
    keys: list[str]  # as they arrived in the event (URL-encoded)
    request_id: str = ""
    seconds: float = 0.0
    result: Any = None
    error: str | None = None  # "<type>: <message>"
    error_type: str | None = None
    error_message: str | None = None
    stack_trace: list[str] = field(default_factory=list)


@dataclass
class _Counters:
    in_flight: int = 0
    invocations: list[Invocation] = field(default_factory=list)
    first_bodies: dict[str, tuple[str, str]] = field(default_factory=dict)  # message id -> (queue url, body)
    dead_lettered: list[Invocation] = field(default_factory=list)


def event_keys(event: dict[str, Any]) -> list[str]:
    return [str(r.get("s3", {}).get("object", {}).get("key", "")) for r in event.get("Records", [])]


class Dispatcher:
    def __init__(
        self,
        sqs: Any,
        routes: list[Route],
        handlers: Mapping[str, Handler],
        environments: Mapping[str, Mapping[str, str]],
        timeline: Timeline,
        *,
        region: str = environment.REGION,
        retry_delay_seconds: int = 1,
        wait_seconds: int = 1,
    ) -> None:
        self._sqs = sqs
        self.routes = routes
        self._handlers = handlers
        self._environments = environments
        self._timeline = timeline
        self._region = region
        self._retry_delay = retry_delay_seconds
        self._wait_seconds = wait_seconds
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._state = _Counters()
        # While held, no queue is read: events wait as they would for a throttled or delayed function.
        self._gate = threading.Condition()
        self._held = False
        self._receiving = 0

    def start(self) -> None:
        for route in self.routes:
            thread = threading.Thread(target=self._poll, args=(route,), name=f"dispatch-{route.function}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self._wait_seconds + 30)

    @contextmanager
    def held(self) -> Iterator[None]:
        """No event is delivered inside the block (the ones being handled when it starts finish first), so a test
        can change the world between an upload and its function's invocation, e.g. delete or overwrite the object."""
        with self._gate:
            self._held = True
            while self._receiving:
                self._gate.wait()
        try:
            yield
        finally:
            with self._gate:
                self._held = False
                self._gate.notify_all()

    # --- what happened -------------------------------------------------------------------------------------------

    def invocations(self, function: str | None = None) -> list[Invocation]:
        with self._lock:
            return [i for i in self._state.invocations if function is None or i.function == function]

    def dead_lettered(self) -> list[Invocation]:
        with self._lock:
            return list(self._state.dead_lettered)

    def delivered_events(self) -> list[tuple[str, str]]:
        """(queue URL, message body) of every S3 event delivered so far, once each, in arrival order."""
        with self._lock:
            return list(self._state.first_bodies.values())

    def busy(self) -> bool:
        """Whether a handler runs or a queue still holds a message (visible, in flight or waiting for a retry)."""
        with self._lock:
            if self._state.in_flight:
                return True
        for route in self.routes:
            attributes = self._sqs.get_queue_attributes(
                QueueUrl=route.queue_url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            if any(int(value) for value in attributes.values()):
                return True
        return False

    def function_name(self, function: str) -> str:
        """The Lambda function name of `function` (start_transcription, illustrate_scenes), as the module names it."""
        return self._environments[function].get("AWS_LAMBDA_FUNCTION_NAME", function)

    def function_arn(self, function: str) -> str:
        return function_arn(self._region, environment.ACCOUNT_ID, self.function_name(function))

    # --- polling ---------------------------------------------------------------------------------------------------

    def _poll(self, route: Route) -> None:
        while not self._stop.is_set():
            with self._gate:
                while self._held and not self._stop.is_set():
                    self._gate.wait(0.1)
                self._receiving += 1
            try:
                self._poll_once(route)
            finally:
                with self._gate:
                    self._receiving -= 1
                    self._gate.notify_all()

    def _poll_once(self, route: Route) -> None:
        try:
            response = self._sqs.receive_message(
                QueueUrl=route.queue_url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=self._wait_seconds,
                MessageSystemAttributeNames=["ApproximateReceiveCount"],
            )
        except Exception as err:
            if self._stop.is_set():
                return
            self._timeline.record("dispatcher", f"receiving from {route.function}'s queue failed: {err}")
            time.sleep(0.5)
            return
        messages = response.get("Messages", [])
        with self._lock:
            self._state.in_flight += len(messages)
        for message in messages:
            try:
                self._deliver(route, message)
            finally:
                with self._lock:
                    self._state.in_flight -= 1

    def _deliver(self, route: Route, message: dict[str, Any]) -> None:
        body = message["Body"]
        event = json.loads(body)
        if event.get("Event") == TEST_EVENT:
            # S3 sends one when the notification configuration is saved; a Lambda trigger never sees it.
            self._sqs.delete_message(QueueUrl=route.queue_url, ReceiptHandle=message["ReceiptHandle"])
            return
        attempt = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        invocation = Invocation(
            route.function,
            message["MessageId"],
            attempt,
            event,
            event_keys(event),
            request_id=request_id_for(message["MessageId"]),
        )
        with self._lock:
            self._state.first_bodies.setdefault(message["MessageId"], (route.queue_url, body))
        self._invoke(invocation)
        with self._lock:
            self._state.invocations.append(invocation)
        if invocation.error is None:
            self._sqs.delete_message(QueueUrl=route.queue_url, ReceiptHandle=message["ReceiptHandle"])
        elif attempt <= environment.MAXIMUM_RETRY_ATTEMPTS[route.function]:
            self._sqs.change_message_visibility(
                QueueUrl=route.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=self._retry_delay
            )
        else:
            record = invocation_record(invocation, self.function_arn(route.function))
            self._sqs.send_message(QueueUrl=route.dead_letter_queue_url, MessageBody=json.dumps(record))
            self._sqs.delete_message(QueueUrl=route.queue_url, ReceiptHandle=message["ReceiptHandle"])
            with self._lock:
                self._state.dead_lettered.append(invocation)
            self._timeline.record(
                "dispatcher", f"{route.function}: event sent to the dead-letter queue after {attempt} attempts"
            )

    def _invoke(self, invocation: Invocation) -> None:
        function = invocation.function
        records = invocation.event.get("Records", [])
        names = ", ".join(r.get("eventName", "?") for r in records)
        shown = ", ".join(_shown(r) for r in records)
        self._timeline.record(
            "dispatcher",
            f"{function} invoked by {names} {shown}"
            + (f" (attempt {invocation.attempt})" if invocation.attempt > 1 else ""),
            function=function,
            phase="start",
            keys=[unquote_plus(key) for key in invocation.keys],
        )
        context = LambdaContext(
            self.function_name(function),
            environment.TIMEOUTS[function],
            self._region,
            environment.ACCOUNT_ID,
            invocation.request_id or None,
        )
        started = time.monotonic()
        try:
            with environment.applied(self._environments[function]):
                invocation.result = self._handlers[function](invocation.event, context)
        except Exception as err:  # a failed invocation, as Lambda reports it; the event is retried
            invocation.error = f"{type(err).__name__}: {err}"
            invocation.error_type, invocation.error_message = type(err).__name__, str(err)
            invocation.stack_trace = [line.rstrip("\n") for line in traceback.format_tb(err.__traceback__)]
        invocation.seconds = time.monotonic() - started
        outcome = "failed: " + invocation.error if invocation.error else "returned " + _summary(invocation.result)
        self._timeline.record(
            "dispatcher",
            f"{function} {outcome} ({invocation.seconds * 1000:.0f} ms)",
            function=function,
            phase="end",
            seconds=invocation.seconds,
            error=invocation.error,
        )


def _shown(record: dict[str, Any]) -> str:
    """s3://bucket/key, with the key as the event carries it (URL-encoded) when that differs."""
    raw = str(record.get("s3", {}).get("object", {}).get("key", ""))
    bucket = record.get("s3", {}).get("bucket", {}).get("name", "?")
    decoded = unquote_plus(raw)
    return f"s3://{bucket}/{decoded}" + (f" (event key {raw})" if raw != decoded else "")


def _summary(result: Any) -> str:
    """One line for what a handler returned: the counts of the transcription function's outcomes, the outcome of
    each record of the image function's."""
    if isinstance(result, dict) and isinstance(result.get("counts"), dict):
        counts = {name: count for name, count in result["counts"].items() if count}
        return ", ".join(f"{name} {count}" for name, count in counts.items()) or "nothing to do"
    if isinstance(result, dict) and isinstance(result.get("records"), list):
        outcomes = [f"{r.get('outcome')} {r.get('job_name') or r.get('key') or ''}".strip() for r in result["records"]]
        return ", ".join(outcomes) or "nothing to do"
    text = json.dumps(result, default=str)
    return text if len(text) <= 160 else text[:157] + "..."
