"""The client's exit codes, one per kind of failure, and the failures that carry them."""

from __future__ import annotations

from cli_common.errors import CliError

# Exit codes, one per kind of failure, so scripts can tell them apart.
EXIT_OK = 0
EXIT_FAILURE = 1  # anything unexpected
EXIT_USAGE = 2  # bad arguments, missing settings, file not found
EXIT_FORBIDDEN = 3  # HTTP 403: API key missing or not accepted
EXIT_TOO_LARGE = 4  # over Amazon Transcribe's 2 GB per file (or, sent through the API, its 10 MB limit)
EXIT_UNSUPPORTED = 5  # not a format Amazon Transcribe accepts, or an empty file
EXIT_UPLOAD_FAILED = 6  # any other refusal of the upload, or the API could not be reached
EXIT_PIPELINE = 7  # the pipeline rejected the file or could not transcribe or illustrate it
EXIT_TIMEOUT = 8  # no answer in time: the upload request, or --wait's --timeout


class ClientFailure(CliError):
    """A failure with the message the user sees and the exit code it ends with."""

    exit_code = EXIT_FAILURE


class UsageError(ClientFailure):
    exit_code = EXIT_USAGE


class ForbiddenError(ClientFailure):
    exit_code = EXIT_FORBIDDEN


class TooLargeError(ClientFailure):
    exit_code = EXIT_TOO_LARGE


class UnsupportedFileError(ClientFailure):
    exit_code = EXIT_UNSUPPORTED


class UploadFailedError(ClientFailure):
    exit_code = EXIT_UPLOAD_FAILED


class PipelineError(ClientFailure):
    exit_code = EXIT_PIPELINE


class WaitTimeoutError(ClientFailure):
    exit_code = EXIT_TIMEOUT
