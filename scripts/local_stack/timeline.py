"""What happened, when: every part of the local stack reports here; the demo prints it as it happens."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

STAND_IN = "[stand-in]"


@dataclass(frozen=True)
class Entry:
    seconds: float  # since the timeline started
    source: str  # "upload-api", "dispatcher", "transcribe", "bedrock", ...
    message: str
    stand_in: bool
    data: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        # data["label"] names a local replacement more precisely, e.g. "[local Whisper base]"
        label = self.data.get("label") or (STAND_IN if self.stand_in else "")
        label = f"{label} " if label else ""
        return f"{self.seconds:7.2f}s  {label}{self.message}"


class Timeline:
    def __init__(self, printer: Callable[[str], None] | None = None) -> None:
        self.started = time.monotonic()
        self._printer = printer
        self._entries: list[Entry] = []
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.monotonic() - self.started

    def record(self, source: str, message: str, *, stand_in: bool = False, **data: Any) -> Entry:
        with self._lock:
            entry = Entry(self.now(), source, message, stand_in, data)
            self._entries.append(entry)
            if self._printer is not None:
                self._printer(entry.line())
        return entry

    def entries(self, source: str | None = None) -> list[Entry]:
        with self._lock:
            return [entry for entry in self._entries if source is None or entry.source == source]
