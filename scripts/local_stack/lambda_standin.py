"""Stand-in for the part of the Lambda API that scripts/redrive.py uses: `invoke` with InvocationType "Event".

moto's Lambda would run the function in a container; the local stack runs the real handlers in-process instead. An
asynchronous invocation is what Lambda makes of it: the payload joins the function's event queue, and the dispatcher
invokes the handler with it, with the same retries and dead-letter queue as an event from S3. So the re-drive code
that runs against a deployment runs unchanged against the local stack.
"""

from __future__ import annotations

import io
import json
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.response import StreamingBody

from local_stack.environment import ACCOUNT_ID, FAKE_CREDENTIALS, REGION
from local_stack.timeline import Timeline

ASYNC_PAYLOAD_LIMIT = 1024 * 1024  # asynchronous invocation payloads: 1 MB (aws-facts.md 5.2)


@dataclass(frozen=True)
class Invoked:
    function_name: str
    invocation_type: str
    payload: bytes
    request_id: str


class LambdaStandIn:
    def __init__(
        self,
        sqs: Any,
        event_queues: Mapping[str, str],
        timeline: Timeline,
        *,
        region: str = REGION,
        account_id: str = ACCOUNT_ID,
    ) -> None:
        """`event_queues`: Lambda function name -> URL of the queue the dispatcher reads for that function."""
        # A real client, never used to send anything, lends its error classes so callers can catch them by name.
        self._shape = boto3.session.Session().client(
            "lambda",
            region_name=region,
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )
        self.exceptions = self._shape.exceptions
        self.meta = self._shape.meta
        self._sqs = sqs
        self._queues = dict(event_queues)
        self._timeline = timeline
        self._region = region
        self._account_id = account_id
        self._lock = threading.Lock()
        self._invoked: list[Invoked] = []

    def invoked(self) -> list[Invoked]:
        with self._lock:
            return list(self._invoked)

    def invoke(
        self,
        *,
        FunctionName: str,
        InvocationType: str = "RequestResponse",
        Payload: bytes | str | Any = b"",
        **_: Any,
    ) -> dict[str, Any]:
        name = self._function_name(FunctionName)
        if InvocationType not in ("Event", "DryRun"):
            raise self._error(
                "InvalidParameterValueException",
                f"this stand-in answers InvocationType Event and DryRun only, got {InvocationType!r}",
                400,
            )
        body = Payload.read() if hasattr(Payload, "read") else Payload
        data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        if len(data) > ASYNC_PAYLOAD_LIMIT:
            raise self._error(
                "RequestTooLargeException", f"Request must be smaller than {ASYNC_PAYLOAD_LIMIT} bytes", 413
            )
        try:
            json.loads(data or b"{}")
        except ValueError:
            raise self._error("InvalidRequestContentException", "Could not parse request body into json", 400) from None
        request_id = str(uuid.uuid4())
        if InvocationType == "DryRun":
            return self._response(204, request_id)
        # Lambda queues an asynchronous event and answers 202 before the function runs.
        self._sqs.send_message(QueueUrl=self._queues[name], MessageBody=data.decode("utf-8") or "{}")
        with self._lock:
            self._invoked.append(Invoked(name, InvocationType, data, request_id))
        self._timeline.record("lambda", f"Lambda Invoke (Event) of {name}: event queued", stand_in=True, function=name)
        return self._response(202, request_id)

    def _function_name(self, given: str) -> str:
        """The function's name from a name, an ARN or a partial ARN ("123456789012:function:name"), any qualifier
        ("$LATEST") left off; ResourceNotFoundException for a function the stack does not have."""
        parts = given.split(":")
        if given.startswith("arn:") and len(parts) >= 7 and parts[5] == "function":
            name = parts[6]
        elif len(parts) >= 3 and parts[1] == "function":
            name = parts[2]
        else:
            name = parts[0]
        if name not in self._queues:
            arn = f"arn:aws:lambda:{self._region}:{self._account_id}:function:{name}"
            raise self._error("ResourceNotFoundException", f"Function not found: {arn}", 404)
        return name

    @staticmethod
    def _response(status: int, request_id: str) -> dict[str, Any]:
        return {
            "ResponseMetadata": {"RequestId": request_id, "HTTPStatusCode": status},
            "StatusCode": status,
            "Payload": StreamingBody(io.BytesIO(b""), 0),
        }

    def _error(self, code: str, message: str, status: int) -> Exception:
        error_class = getattr(self.exceptions, code, self.exceptions.ClientError)
        return error_class(
            {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Invoke"
        )
