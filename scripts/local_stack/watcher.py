"""Sees every object written to a bucket: an extra ObjectCreated notification to a queue of its own, drained here.

Used on the image bucket, which has no notification in the module (nothing is triggered by it), so watching it
changes nothing the functions see. It tells the demo when each image lands and lets the tests count writes.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from local_stack.timeline import Timeline
from pipeline_core.units import format_size


@dataclass(frozen=True)
class Write:
    seconds: float  # on the timeline
    key: str  # decoded
    size: int


class BucketWatcher:
    def __init__(self, sqs: Any, queue_url: str, bucket: str, timeline: Timeline) -> None:
        self._sqs = sqs
        self.queue_url = queue_url
        self.bucket = bucket
        self._timeline = timeline
        self._writes: list[Write] = []
        self._in_flight = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"watch-{self.bucket}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def writes(self) -> list[Write]:
        with self._lock:
            return list(self._writes)

    def busy(self) -> bool:
        with self._lock:
            if self._in_flight:
                return True
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return any(int(value) for value in attributes.values())

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                messages = self._sqs.receive_message(
                    QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
                ).get("Messages", [])
            except Exception:  # the emulator is stopping, or briefly busy
                if self._stop.wait(0.2):
                    return
                continue
            with self._lock:
                self._in_flight += len(messages)
            for message in messages:
                try:
                    for record in json.loads(message["Body"]).get("Records", []):
                        obj = record["s3"]["object"]
                        write = Write(self._timeline.now(), unquote_plus(obj["key"]), int(obj.get("size", 0)))
                        with self._lock:
                            self._writes.append(write)
                        self._timeline.record(
                            "image-bucket",
                            f"s3://{self.bucket}/{write.key} written ({format_size(write.size)})",
                            key=write.key,
                            size=write.size,
                        )
                    self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
                finally:
                    with self._lock:
                        self._in_flight -= 1
