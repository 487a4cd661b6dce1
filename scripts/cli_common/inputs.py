"""Checks of what a user types: numbers (argparse `type=` functions), files and directories, AWS settings."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli_common.errors import CREDENTIALS_HINT, REGION_HINT, CliError


def number(
    kind: type[int] | type[float] = float, *, minimum: float | None = None, positive: bool = False
) -> Callable[[str], Any]:
    """An argparse `type` for a finite number: `positive` (> 0) or at least `minimum`. The message names the value
    and what was expected, e.g. "expected a positive number of seconds, got 'abc'"."""
    expected = "a whole number" if kind is int else "a number"
    if positive:
        expected = f"a positive {expected.removeprefix('a ')}"
    elif minimum is not None:
        expected = f"{expected} of at least {minimum:g}"

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not math.isfinite(value) or (positive and value <= 0) or (minimum is not None and value < minimum):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    parse.__name__ = expected  # what argparse would name in its own message
    return parse


def readable_file(path: Path, what: str = "file") -> Path:
    """`path` if it is a file that can be read; else a CliError saying what it is instead."""
    if not path.exists():
        raise CliError(f"{path}: no such {what}; check the path")
    if path.is_dir():
        raise CliError(f"{path} is a directory; give the {what} inside it")
    if not os.access(path, os.R_OK):
        raise CliError(f"{path}: permission denied; the {what} cannot be read")
    return path


def existing_directory(path: Path, what: str) -> Path:
    """`path` if it is a directory; else a CliError naming the flag's purpose (`what`)."""
    if not path.exists():
        raise CliError(f"{what} {path}: no such directory")
    if not path.is_dir():
        raise CliError(f"{what} {path} is a file, not a directory")
    return path


def aws_session(region: str | None = None) -> Any:
    """A boto3 session that has credentials and a Region, checked before anything is sent or uploaded."""
    try:
        import boto3
        from botocore.exceptions import BotoCoreError
    except ImportError:
        raise CliError("this needs boto3 (pip install boto3)") from None
    try:
        session = boto3.session.Session(region_name=region) if region else boto3.session.Session()
        credentials = session.get_credentials()
    except BotoCoreError as err:  # e.g. an AWS_PROFILE that does not exist
        raise CliError(f"{err}: {CREDENTIALS_HINT}") from None
    if credentials is None:
        raise CliError(f"no AWS credentials found: {CREDENTIALS_HINT}")
    if not session.region_name:
        raise CliError(f"no AWS Region: {REGION_HINT}")
    return session
