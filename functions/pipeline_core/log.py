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


def get_logger() -> logging.Logger:
    logger = logging.getLogger(_LOGGER_NAME)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        # Lambda installs its own handler on the root logger; not propagating avoids every line being printed twice.
        logger.propagate = False
        logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
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
