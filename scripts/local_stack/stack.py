"""The whole pipeline on one machine: an embedded moto server and the local stand-ins around the real handlers.

    upload API stand-in --PutObject--> audio bucket --S3 event--> SQS --dispatcher--> start_transcription handler
      --StartTranscriptionJob--> moto --Transcribe stand-in--> transcript bucket --S3 event--> SQS --dispatcher-->
      illustrate_scenes handler --InvokeModel--> Bedrock stand-in; images, manifest, gallery --> image bucket

A failed event is retried and then kept in the function's dead-letter queue as Lambda's invocation record; the Lambda
stand-in (`lambda_client`) takes asynchronous invocations, so scripts/redrive.py can put it back into the pipeline.

Everything listens on 127.0.0.1 only and every AWS call goes to the moto server; nothing else is contacted.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import secrets
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, TextIO

import boto3
from botocore.config import Config

from local_stack import environment, notifications
from local_stack.bedrock_standin import BedrockRuntimeStandIn
from local_stack.dispatcher import Dispatcher, Route, fresh_container, load_handler
from local_stack.environment import ILLUSTRATION, TRANSCRIPTION, Buckets
from local_stack.lambda_standin import LambdaStandIn
from local_stack.timeline import Timeline
from local_stack.transcribe_standin import JobQuota, Recognize, TranscribeStandIn
from local_stack.translate_standin import TranslateStandIn
from local_stack.upload_api import UploadApi
from local_stack.watcher import BucketWatcher
from read_results import results


@dataclass
class StackOptions:
    name: str = "local"
    # Module variables as the functions see them (environment variable names), on top of the module's defaults.
    transcription_settings: dict[str, str] = field(default_factory=dict)
    image_settings: dict[str, str] = field(default_factory=dict)
    api_key: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    retry_delay_seconds: int = 1  # Lambda waits about a minute before an async retry; locally there is no need
    printer: Callable[[str], None] | None = None  # prints the timeline as it happens
    function_log: TextIO | None = None  # also receives the functions' JSON log lines (CloudWatch Logs, locally)
    # What writes a Transcribe job's output: "fixtures" (the bundled transcripts, exact and instant: the tests) or
    # "whisper" (speech recognition on this machine with recognizer.py: the demo, on any audio).
    transcriber: str = "fixtures"
    transcribe_job_quota: int | None = None  # Transcribe's concurrent-job quota, enforced by the stand-in; None: none
    transcribe_job_seconds: float = 0.0  # how long a job holds its quota slot at least


class _Mute(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


class FunctionLog:
    """The functions' log lines, as CloudWatch Logs would keep them: per function. A copy goes to `copy_to` as JSON
    lines with the function's name added."""

    def __init__(self, copy_to: TextIO | None = None) -> None:
        self._lines: list[tuple[str, str]] = []
        self._partial = ""
        self._lock = threading.Lock()
        self._copy_to = copy_to

    def write(self, text: str) -> int:
        # Invocations take turns (see environment.applied), so the variable names the function that is logging.
        function = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "?")
        with self._lock:
            self._partial += text
            *lines, self._partial = self._partial.split("\n")
            for line in lines:
                self._lines.append((function, line))
                if self._copy_to is not None:
                    try:
                        fields = json.loads(line)
                    except json.JSONDecodeError:
                        fields = {"message": line}
                    self._copy_to.write(json.dumps({"function": function, **fields}, ensure_ascii=False) + "\n")
        return len(text)

    def flush(self) -> None:
        if self._copy_to is not None:
            self._copy_to.flush()

    def lines(self, function: str | None = None) -> list[str]:
        """The lines logged, all or those of one function (its Lambda function name)."""
        with self._lock:
            return [line for name, line in self._lines if function is None or name == function]


class LocalStack:
    def __init__(self, options: StackOptions | None = None) -> None:
        self.options = options or StackOptions()
        name = self.options.name
        self.buckets = Buckets(audio=f"{name}-audio", transcript=f"{name}-transcript", image=f"{name}-image")
        self.timeline = Timeline(self.options.printer)
        self.function_log = FunctionLog(self.options.function_log)
        self.api_key = self.options.api_key
        self._exit = ExitStack()
        self.endpoint_url = ""
        self.s3: Any = None
        self.sqs: Any = None
        self.transcribe: Any = None
        self.environments: dict[str, dict[str, str]] = {}
        self.transcribe_stand_in: TranscribeStandIn | None = None
        self.bedrock_stand_in: BedrockRuntimeStandIn | None = None
        self.translate_stand_in: TranslateStandIn | None = None
        self.dispatcher: Dispatcher | None = None
        self._recognizer_loading: Future[tuple[str, Recognize]] | None = None
        self.lambda_client: LambdaStandIn | None = None
        self.upload_api: UploadApi | None = None
        self.stage_url = ""

    # --- life cycle --------------------------------------------------------------------------------------------------

    def __enter__(self) -> LocalStack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        started = time.monotonic()
        self._recognizer_loading = self._load_recognizer()  # meanwhile, the emulator starts
        self._start_moto()
        self._create_resources()
        self._start_stand_ins()
        self._start_functions()
        results_settings = results.Settings(
            self.buckets.audio, self.buckets.transcript, self.buckets.image, results.DEFAULT_EXPIRY_SECONDS, "INFO"
        )
        self.upload_api = UploadApi(
            self.s3, self.buckets.audio, self.api_key, self.timeline, results_settings=results_settings
        )
        self.upload_api.start()
        self._exit.callback(self.upload_api.stop)
        self.stage_url = self.upload_api.stage_url
        self.timeline.record(
            "stack",
            f"local stack ready in {time.monotonic() - started:.2f} s: moto at {self.endpoint_url}, "
            f"upload API at {self.stage_url}",
        )

    def stop(self) -> None:
        self._exit.close()

    def _start_moto(self) -> None:
        from moto.server import ThreadedMotoServer  # imported late: it is the slowest import of the stack

        # The emulator's request log would drown the demo's output.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        self._exit.callback(server.stop)
        host, port = server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        # moto keeps its state per process: start from nothing even if an earlier stack ran in this process.
        reset = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")  # noqa: S310
        with urllib.request.urlopen(reset, timeout=30):  # noqa: S310 - the emulator's http URL, built above
            pass
        session = boto3.session.Session(
            aws_access_key_id=environment.FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=environment.FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=environment.FAKE_CREDENTIALS["AWS_SESSION_TOKEN"],
            region_name=environment.REGION,
        )
        config = Config(retries={"max_attempts": 3, "mode": "standard"}, max_pool_connections=20)
        self.s3 = session.client("s3", endpoint_url=self.endpoint_url, config=config)
        self.sqs = session.client("sqs", endpoint_url=self.endpoint_url, config=config)
        self.transcribe = session.client("transcribe", endpoint_url=self.endpoint_url, config=config)

    def _create_resources(self) -> None:
        for bucket in (self.buckets.audio, self.buckets.transcript, self.buckets.image):
            self.s3.create_bucket(Bucket=bucket)
        # As the module's defaults: versioning on for the audio bucket (the only copy of the uploads), off otherwise.
        self.s3.put_bucket_versioning(Bucket=self.buckets.audio, VersioningConfiguration={"Status": "Enabled"})

        self.routes: dict[str, Route] = {}
        for function in environment.FUNCTIONS:
            function_name = environment.lambda_function_name(self.options.name, function)
            attributes = {"VisibilityTimeout": str(environment.TIMEOUTS[function])}
            queue_url = self.sqs.create_queue(QueueName=f"{function_name}-events", Attributes=attributes)["QueueUrl"]
            dlq_url = self.sqs.create_queue(QueueName=f"{function_name}-dlq")["QueueUrl"]
            self.routes[function] = Route(function, queue_url, dlq_url)

        def arn(function: str) -> str:
            url = self.routes[function].queue_url
            return self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

        self.s3.put_bucket_notification_configuration(
            Bucket=self.buckets.audio,
            NotificationConfiguration=notifications.queue_configuration(
                "audio", arn(TRANSCRIPTION), notifications.audio_filters()
            ),
        )
        self.s3.put_bucket_notification_configuration(
            Bucket=self.buckets.transcript,
            NotificationConfiguration=notifications.queue_configuration(
                "transcripts", arn(ILLUSTRATION), notifications.transcript_filters()
            ),
        )
        # Not part of the module: lets the stack see each object written to the image bucket (see watcher.py).
        watch_url = self.sqs.create_queue(QueueName=f"{self.options.name}-image-writes")["QueueUrl"]
        watch_arn = self.sqs.get_queue_attributes(QueueUrl=watch_url, AttributeNames=["QueueArn"])["Attributes"]
        self.s3.put_bucket_notification_configuration(
            Bucket=self.buckets.image,
            NotificationConfiguration=notifications.queue_configuration(
                "watch", watch_arn["QueueArn"], [notifications.KeyFilter()]
            ),
        )
        self.image_writes = BucketWatcher(self.sqs, watch_url, self.buckets.image, self.timeline)
        self.image_writes.start()
        self._exit.callback(self.image_writes.stop)

    def _start_stand_ins(self) -> None:
        from pipeline_core import aws

        recognize = self._recognizer_loading.result() if self._recognizer_loading else None
        quota = self.options.transcribe_job_quota
        self.transcribe_stand_in = TranscribeStandIn(
            self.transcribe,
            self.s3,
            self.timeline,
            fixtures={} if recognize else None,
            recognize=recognize,
            concurrent_job_quota=quota,
            job_seconds=self.options.transcribe_job_seconds,
        )
        self.transcribe_stand_in.start()
        self._exit.callback(self.transcribe_stand_in.stop)
        if quota is not None:
            self._exit.enter_context(aws.override("transcribe", JobQuota(self.transcribe, self.transcribe_stand_in)))
        stand_in = self.transcribe_stand_in
        self.bedrock_stand_in = BedrockRuntimeStandIn(lambda: [f.words() for f in stand_in.written().values()])
        self._exit.enter_context(aws.override("bedrock-runtime", self.bedrock_stand_in))
        self.translate_stand_in = TranslateStandIn()
        self._exit.enter_context(aws.override("translate", self.translate_stand_in))

    def _load_recognizer(self) -> Future[tuple[str, Recognize]] | None:
        """The real recognizer, when it was chosen, loading in the background; its result() raises when the model is
        missing or altered, which stops the start."""
        if self.options.transcriber == "fixtures":
            return None
        if self.options.transcriber != "whisper":
            raise ValueError(
                f"StackOptions.transcriber must be 'fixtures' or 'whisper', not {self.options.transcriber!r}"
            )

        def load() -> tuple[str, Recognize]:
            from local_stack.recognizer import LABEL, WhisperRecognizer, job_output

            recognizer = WhisperRecognizer()
            recognizer.load()
            self.timeline.record(
                "transcribe", f"Whisper base model loaded in {recognizer.load_seconds:.1f} s", label=f"[{LABEL}]"
            )
            return f"[{LABEL}]", functools.partial(job_output, recognizer)

        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="whisper-load")
        self._exit.callback(executor.shutdown)
        return executor.submit(load)

    def _start_functions(self) -> None:
        from pipeline_core import aws, log

        settings: Mapping[str, Mapping[str, str]] = {
            TRANSCRIPTION: self.options.transcription_settings,
            ILLUSTRATION: self.options.image_settings,
        }
        for function in environment.FUNCTIONS:
            self.environments[function] = {
                **environment.function_environment(function, self.buckets, settings[function]),
                **environment.runtime_environment(function, self.options.name, self.endpoint_url),
            }
        # A fresh container: clients made for an earlier stack point at its (stopped) emulator.
        aws.reset_clients()
        self._exit.callback(aws.reset_clients)
        # The functions' log lines go to this stack's log (CloudWatch Logs, locally) instead of stdout: the logger's
        # own handlers stay in place (so it does not add new ones) but are muted while the stack runs.
        logger = log.get_logger()
        muted, log_level = list(logger.handlers), logger.level
        mute = _Mute()
        for handler in muted:
            handler.addFilter(mute)
        to_function_log = logging.StreamHandler(self.function_log)
        to_function_log.setFormatter(log.JsonFormatter())
        logger.addHandler(to_function_log)
        logger.setLevel(self.environments[TRANSCRIPTION].get("LOG_LEVEL", "INFO"))

        def restore_logging() -> None:
            logger.removeHandler(to_function_log)
            for handler in muted:
                handler.removeFilter(mute)
            logger.setLevel(log_level)

        self._exit.callback(restore_logging)
        self._exit.enter_context(fresh_container())
        handlers = {function: load_handler(function, self.environments[function]) for function in environment.FUNCTIONS}
        self.dispatcher = Dispatcher(
            self.sqs,
            list(self.routes.values()),
            handlers,
            self.environments,
            self.timeline,
            retry_delay_seconds=self.options.retry_delay_seconds,
        )
        self.dispatcher.start()
        self._exit.callback(self.dispatcher.stop)
        queues = {self.function_name(route.function): route.queue_url for route in self.routes.values()}
        self.lambda_client = LambdaStandIn(self.sqs, queues, self.timeline)
        # The module's EventBridge rule sends Transcribe's FAILED job state changes to the transcription function.
        self.transcribe_stand_in.deliver_events_to(
            lambda event: self.lambda_client.invoke(
                FunctionName=self.function_name(TRANSCRIPTION), InvocationType="Event", Payload=json.dumps(event)
            )
        )

    # --- observing ---------------------------------------------------------------------------------------------------

    def function_name(self, function: str) -> str:
        """The Lambda function name of start_transcription or illustrate_scenes, as the module names it."""
        return environment.lambda_function_name(self.options.name, function)

    def dead_letter_queue_url(self, function: str) -> str:
        return self.routes[function].dead_letter_queue_url

    def busy(self) -> bool:
        assert self.dispatcher is not None
        assert self.transcribe_stand_in is not None
        return self.transcribe_stand_in.busy() or self.dispatcher.busy() or self.image_writes.busy()

    def wait_until_idle(self, timeout: float = 60.0) -> None:
        """Until no queue holds an event, no handler runs and every Transcribe job has its output (twice in a row,
        so work that one step hands to the next is not missed in between)."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while quiet < 2:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the local pipeline was still busy after {timeout:.0f} s")
            quiet = 0 if self.busy() else quiet + 1
            time.sleep(0.1)

    def replay_events(self) -> int:
        """Send every S3 event delivered so far to its queue again, as S3's at-least-once delivery may."""
        assert self.dispatcher is not None
        events = self.dispatcher.delivered_events()
        for queue_url, body in events:
            self.sqs.send_message(QueueUrl=queue_url, MessageBody=body)
        self.timeline.record("stack", f"replayed {len(events)} S3 events")
        return len(events)

    def list_keys(self, bucket: str, prefix: str = "") -> dict[str, tuple[str, str]]:
        """key -> (ETag, LastModified) of every object under `prefix`."""
        found: dict[str, tuple[str, str]] = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                found[item["Key"]] = (item["ETag"], item["LastModified"].isoformat())
        return found

    def job_names(self) -> list[str]:
        assert self.transcribe_stand_in is not None
        return self.transcribe_stand_in.job_names()
