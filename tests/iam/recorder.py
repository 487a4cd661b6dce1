"""Record every AWS API call the pipeline's functions make: service, operation, parameters, HTTP status, Region.

Installed around `pipeline_core.aws.client`, through which the functions get every client: a botocore client gets
handlers on its own events (`before-parameter-build` keeps the API parameters, `before-call` records the call as it
is about to be sent, `after-call` adds the status), so paginators and retries are seen as AWS sees them; a stand-in
(Bedrock, a Transcribe client that fails on purpose) is wrapped and its method calls recorded under the operation
names of the service's botocore model. Calls are attributed to a function by the thread that makes them: the local
stack runs each function in a `dispatch-<function>` thread, and the image function's scenes in `scene_N` threads.
Calls from anything else (the stack itself, the tests) are not the functions' and are only counted.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import botocore.session
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from iam.permissions import Call

_CONTEXT_PARAMS = "iam_recorder_params"
_CONTEXT_RECORD = "iam_recorder_record"


def function_of_thread(name: str) -> str | None:
    if name.startswith("dispatch-"):
        return name.removeprefix("dispatch-")
    if name.startswith("scene"):
        return "illustrate_scenes"
    return None


@cache
def _operations(service: str) -> dict[str, str]:
    """Python method name -> API operation name, from the service's botocore model."""
    model = botocore.session.get_session().get_service_model(service)
    return {botocore.xform_name(name): name for name in model.operation_names}


class CallRecorder:
    def __init__(self, enabled: Callable[[], bool] = lambda: True) -> None:
        self._records: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._enabled = enabled  # e.g. only while a local stack runs: unit tests in the same process are not calls
        self.unattributed = 0

    def calls(self) -> list[Call]:
        with self._lock:
            return [Call.from_json(record) for record in self._records]

    def _start(self, service: str, operation: str, params: Any, region: str | None) -> dict[str, Any] | None:
        if not self._enabled():
            return None
        function = function_of_thread(threading.current_thread().name)
        if function is None:
            with self._lock:
                self.unattributed += 1
            return None
        record = Call(function, service, operation, dict(params or {}), None, region).as_json()
        with self._lock:
            self._records.append(record)
        return record

    # --- botocore clients ------------------------------------------------------------------------------------------

    def _hook(self, client: BaseClient) -> None:
        if getattr(client, "_iam_recorder", None) is self:
            return
        service = client.meta.service_model.service_name
        region = client.meta.region_name

        def keep_params(params: Any, context: dict[str, Any], **_: Any) -> None:
            context[_CONTEXT_PARAMS] = dict(params)

        def before_call(model: Any, context: dict[str, Any], **_: Any) -> None:
            context[_CONTEXT_RECORD] = self._start(service, model.name, context.get(_CONTEXT_PARAMS), region)

        def after_call(http_response: Any, context: dict[str, Any], **_: Any) -> None:
            record = context.get(_CONTEXT_RECORD)
            if record is not None:
                record["status"] = getattr(http_response, "status_code", None)

        events = client.meta.events
        events.register("before-parameter-build", keep_params)
        events.register("before-call", before_call)
        events.register("after-call", after_call)
        client._iam_recorder = self  # type: ignore[attr-defined]

    def observe(self, service: str, client: Any, region: str | None = None) -> Any:
        """`region`: the Region the function asked for (None: its own), kept for stand-ins, which have none."""
        if isinstance(client, BaseClient):
            self._hook(client)
            return client
        return _RecordedStandIn(self, service, client, region)

    @contextmanager
    def installed(self) -> Iterator[CallRecorder]:
        """Record the calls of every client `pipeline_core.aws.client` hands out inside the block."""
        from pipeline_core import aws

        original: Callable[..., Any] = aws.client

        def client(service: str, region: str | None = None) -> Any:
            return self.observe(service, original(service, region), region)

        aws.client = client  # type: ignore[assignment]
        try:
            yield self
        finally:
            aws.client = original  # type: ignore[assignment]


class _RecordedStandIn:
    """A stand-in client whose API method calls are recorded; everything else passes through."""

    def __init__(self, recorder: CallRecorder, service: str, real: Any, region: str | None = None) -> None:
        self._recorder, self._service, self._real, self._region = recorder, service, real, region

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._real, name)
        operation = _operations(self._service).get(name)
        if operation is None or not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            region = self._region or getattr(self._real, "region", None)
            record = self._recorder._start(self._service, operation, kwargs, region)
            try:
                result = attribute(*args, **kwargs)
            except ClientError as err:
                if record is not None:
                    record["status"] = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
                raise
            if record is not None:
                record["status"] = 200
            return result

        return call
