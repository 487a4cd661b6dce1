"""Lambda entry point (handler string `presign_upload.handler.handler`) behind the upload API's
`POST /{folder}/{object}` (Lambda proxy integration): a presigned S3 PUT URL for a file too large for the API.

API Gateway has checked the API key; `uploads` checks the request and signs. The answer is 200 with the URL or 400
with a message naming the field at fault. The URL is never logged: whoever holds it can upload until it expires.
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError

from pipeline_core import aws, log
from pipeline_core.config import ConfigError
from presign_upload import uploads

PRESIGN_CONFIG = aws.PRESIGN_CONFIG  # SigV4, Regional virtual-hosted endpoint (see pipeline_core.aws)


@functools.cache
def settings() -> uploads.Settings:
    """Validated once per container; a ConfigError is not cached, so it is reported until the setting is fixed."""
    return uploads.load_settings()


@functools.cache
def presigner() -> Any:
    return boto3.client("s3", config=PRESIGN_CONFIG)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request_id = getattr(context, "aws_request_id", None)
    try:
        config = settings()
    except ConfigError as err:
        log.error("invalid configuration; no URL was signed", error=str(err), request_id=request_id)
        return uploads.proxy_response(500, {"message": "the upload function is misconfigured; its log says how"})
    try:
        outcome = uploads.respond(event, presigner(), config.audio_bucket, config.expires_in)
    except BotoCoreError as err:  # e.g. no credentials to sign with
        log.error("could not sign the upload URL", error=str(err), request_id=request_id, exc_info=True)
        return uploads.proxy_response(500, {"message": "could not sign the upload URL; the function's log says why"})
    if outcome.request is None:
        log.warning("presigned upload refused", reason=outcome.error, request_id=request_id)
    else:
        request = outcome.request
        log.info(
            "presigned upload URL issued",
            bucket=config.audio_bucket,
            key=request.key,
            size=request.size,
            content_type=request.content_type,
            expires_in=config.expires_in,
            request_id=request_id,
        )
    return outcome.response
