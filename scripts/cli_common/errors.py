"""A user's mistake ends a command with a short message and an exit code, never with a traceback.

Every tool raises `CliError` (or a subclass with its own exit code) for what the user can fix, parses its arguments
with `ArgumentParser` (whose errors are one line, not the usage block), and runs its `main` through `run`, which turns
what is left into the same short form: missing AWS credentials or Region, a file that cannot be read, Ctrl-C. An error
nobody foresaw is still reported in two lines (set PIPELINE_DEBUG=1 to see the traceback).

Exit codes shared by every tool (a tool may add its own above 2 and lists them in its --help):
    0 done   1 failed (including an error nobody foresaw)   2 a usage mistake or a missing setting   130 interrupted
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import NoReturn

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

CREDENTIALS_HINT = (
    "set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or run `aws configure`, `aws sso login`"
)
REGION_HINT = "set AWS_REGION (or AWS_DEFAULT_REGION), or `region` in your AWS profile"


class CliError(Exception):
    """A mistake the user can fix: the message names it and says how; `exit_code` says what kind it was."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line naming it and pointing at --help (exit 2), not the whole usage.
    Subcommand parsers made with add_subparsers() are of this class too."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        raise SystemExit(EXIT_USAGE)


def describe(error: BaseException) -> tuple[str, int] | None:
    """The message and exit code for an exception a user's setup or input explains; None for anything else."""
    if isinstance(error, CliError):
        return str(error), error.exit_code
    name = type(error).__name__
    if name in ("NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError"):
        return f"no usable AWS credentials ({error}): {CREDENTIALS_HINT}", EXIT_USAGE
    if name == "NoRegionError":
        return f"no AWS Region: {REGION_HINT}", EXIT_USAGE
    if name in ("ProfileNotFound", "SSOTokenLoadError", "TokenRetrievalError", "UnauthorizedSSOTokenError"):
        return f"{error}: {CREDENTIALS_HINT}", EXIT_USAGE
    if isinstance(error, (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)):
        return f"{error.filename or error}: {error.strerror or error}", EXIT_USAGE
    return None


def run(main: Callable[[], int], prog: str) -> NoReturn:
    """`sys.exit(main())`, with every exception reported as `prog: error: ...` and its exit code."""
    try:
        code = main()
    except KeyboardInterrupt:
        sys.stderr.write(f"{prog}: interrupted\n")
        code = EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `... | head`: the reader is gone, nothing left to say
        code = EXIT_FAILURE
    except Exception as error:  # the last line of defence: a report, not a traceback
        known = describe(error)
        if known is not None:
            message, code = known
            sys.stderr.write(f"{prog}: error: {message}\n")
        elif os.environ.get("PIPELINE_DEBUG"):
            raise
        else:
            sys.stderr.write(
                f"{prog}: unexpected error: {type(error).__name__}: {error}\n"
                f"{prog}: this is a bug, not your mistake; PIPELINE_DEBUG=1 shows the traceback to report\n"
            )
            code = EXIT_FAILURE
    sys.exit(code)
