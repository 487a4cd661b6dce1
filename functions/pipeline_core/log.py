"""Structured logging: one JSON object per line, so one upload can be traced across both functions."""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any

_LOGGER_NAME = "pipeline"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {"level": record.levelname, "message": record.getMessage()}
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class _StdoutHandler(logging.StreamHandler):
    """Writes to sys.stdout as it is at each call; a stream bound once goes stale when it is swapped (pytest capsys)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


def get_logger() -> logging.Logger:
    logger = logging.getLogger(_LOGGER_NAME)
    if not any(isinstance(h, _StdoutHandler) for h in logger.handlers):
        handler = _StdoutHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        # Lambda installs its own handler on the root logger; not propagating avoids every line being printed twice.
        logger.propagate = False
        # An unknown LOG_LEVEL must not break logging itself (setLevel raises); the settings check reports it.
        level = os.environ.get("LOG_LEVEL", "").strip().upper()
        logger.setLevel(level if level in logging.getLevelNamesMapping() else logging.INFO)
    return logger


def log(level: int, message: str, *, exc_info: bool = False, **fields: Any) -> None:
    """Log `message` with `fields` (bucket, key, job_name, reason, ...) as top-level JSON keys."""
    get_logger().log(level, message, extra={"fields": fields}, exc_info=exc_info)


def info(message: str, **fields: Any) -> None:
    log(logging.INFO, message, **fields)


def warning(message: str, **fields: Any) -> None:
    log(logging.WARNING, message, **fields)


def error(message: str, *, exc_info: bool = False, **fields: Any) -> None:
    log(logging.ERROR, message, exc_info=exc_info, **fields)
