"""Lambda entry point (handler string `read_results.handler.handler`) behind the upload API's
`GET /{folder}/{object}` (Lambda proxy integration): the upload's status and presigned links, or its player page.

API Gateway has checked the API key; `results` reads the buckets and signs. URLs are never logged.
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from pipeline_core import aws, log
from pipeline_core.config import ConfigError
from read_results import results


@functools.cache
def settings() -> results.Settings:
    """Validated once per container; a ConfigError is not cached, so it is reported until the setting is fixed."""
    return results.load_settings()


@functools.cache
def store() -> results.S3Store:
    return results.S3Store(aws.client("s3"), boto3.client("s3", config=aws.PRESIGN_CONFIG), settings().expires_in)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request_id = getattr(context, "aws_request_id", None)
    try:
        config = settings()
    except ConfigError as err:
        log.error("invalid configuration; nothing was read", error=str(err), request_id=request_id)
        return results.proxy_response(500, '{"message": "the results function is misconfigured; its log says how"}')
    try:
        outcome = results.respond(event, store(), config)
    except (BotoCoreError, ClientError) as err:
        log.error("could not read the results", error=str(err), request_id=request_id, exc_info=True)
        return results.proxy_response(500, '{"message": "could not read the results; the function\'s log says why"}')
    log.info("results answered", key=outcome.key, status=outcome.status, refused=outcome.error, request_id=request_id)
    return outcome.response
