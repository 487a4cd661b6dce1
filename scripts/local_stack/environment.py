"""The environment each function runs with: what Terraform sets on the Lambda function, plus what the Lambda runtime
and the local emulator add. `function_environment` is the single place that builds the former."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

TRANSCRIPTION = "start_transcription"
ILLUSTRATION = "illustrate_scenes"
FUNCTIONS = (TRANSCRIPTION, ILLUSTRATION)

# Suffixes of the Lambda function names the module gives them: "<name>-start-transcription", ...
FUNCTION_NAME_SUFFIXES = {TRANSCRIPTION: "start-transcription", ILLUSTRATION: "illustrate-scenes"}

# The Lambda handler strings Terraform configures (main.tf).
HANDLERS = {
    TRANSCRIPTION: "start_transcription.handler.handler",
    ILLUSTRATION: "illustrate_scenes.handler.handler",
}

# Defaults of the module's variables, as Terraform passes them when the caller sets nothing. Only the variables the
# functions read are listed; the bucket variables come from the buckets themselves.
DEFAULT_SETTINGS: dict[str, dict[str, str]] = {
    TRANSCRIPTION: {
        "LANGUAGE_CODE": "",
        "LANGUAGE_OPTIONS": "",
        "MAX_SPEAKER_LABELS": "0",
        "MAX_AUDIO_SECONDS": "7200",
        "LOG_LEVEL": "INFO",
        "VOCABULARY_NAME": "",
        "VOCABULARY_FILTER_NAME": "",
        "VOCABULARY_FILTER_METHOD": "mask",
        "REDACT_PII": "false",
    },
    ILLUSTRATION: {
        "IMAGE_MODEL_ID": "stability.stable-image-core-v1:1",
        "SCENE_SECONDS": "30",
        "MAX_IMAGES_PER_FILE": "10",
        "IMAGE_STYLE": "",
        "PROMPT_DIRECTOR": "true",
        # Empty: the function takes the catalogue's default director model and the image model's home Region, as
        # Terraform does when prompt_model_id and bedrock_region are null.
        "PROMPT_MODEL_ID": "",
        "BEDROCK_REGION": "",
        "IMAGE_CONCURRENCY": "4",
        "IMAGE_ASPECT_RATIO": "16:9",
        "LOG_LEVEL": "INFO",
        "SUBTITLE_PROFILE": "auto",
        "SUBTITLE_MAX_LINE_CHARS": "0",
        "SUBTITLE_MAX_CPS": "0",
        "SUBTITLE_LANGUAGES": "",
        "TRANSLATE_TERMINOLOGY_NAMES": "",
    },
}

# Set by the module only when a feature is on (main.tf, local transcription_feature_environment), to ARNs of
# resources it creates or is given: absent by default, accepted as settings so a stack can act as such a deployment.
FEATURE_SETTINGS: dict[str, tuple[str, ...]] = {
    TRANSCRIPTION: ("DATA_ACCESS_ROLE_ARN", "OUTPUT_KMS_KEY_ARN"),
    ILLUSTRATION: (),
}

# The module's defaults for the functions' timeouts (seconds) and asynchronous retries.
TIMEOUTS = {TRANSCRIPTION: 60, ILLUSTRATION: 900}
MAXIMUM_RETRY_ATTEMPTS = {TRANSCRIPTION: 2, ILLUSTRATION: 1}

REGION = "us-east-1"
# moto's default account; fake credentials keep boto3 from looking for real ones.
ACCOUNT_ID = "123456789012"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
# Settings from the developer's shell or ~/.aws that could send a call somewhere other than the local emulator.
_CLEARED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CA_BUNDLE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


@dataclass(frozen=True)
class Buckets:
    audio: str
    transcript: str
    image: str


def function_environment(function: str, buckets: Buckets, settings: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment variables Terraform sets on `function`: the module's defaults, with `settings` (the values a
    caller of the module would set) applied on top, plus the output bucket the function writes to."""
    if function not in DEFAULT_SETTINGS:
        raise ValueError(f"unknown function {function!r}; expected one of {', '.join(FUNCTIONS)}")
    unknown = set(settings or {}) - set(DEFAULT_SETTINGS[function]) - set(FEATURE_SETTINGS[function])
    if unknown:
        raise ValueError(f"{function} has no setting {', '.join(sorted(unknown))}")
    environment = {**DEFAULT_SETTINGS[function], **(settings or {})}
    if function == TRANSCRIPTION:
        environment["TRANSCRIPT_BUCKET"] = buckets.transcript
    else:
        environment["IMAGE_BUCKET"] = buckets.image
    # Like the module, leave out empty values: the functions treat unset and empty alike.
    return {name: value for name, value in environment.items() if value != ""}


def lambda_function_name(name: str, function: str) -> str:
    return f"{name}-{FUNCTION_NAME_SUFFIXES[function]}"


def runtime_environment(function: str, name: str, endpoint_url: str, region: str = REGION) -> dict[str, str]:
    """What the Lambda runtime adds (region, function name) and what points boto3 at the local emulator."""
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_LAMBDA_FUNCTION_NAME": lambda_function_name(name, function),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(TIMEOUTS[function]),
        # No shared config or credentials file: nothing in ~/.aws may redirect a call.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        **FAKE_CREDENTIALS,
    }


# os.environ is one per process: invocations that each need their own environment take turns.
_environment_lock = threading.RLock()


@contextmanager
def applied(environment: Mapping[str, str]) -> Iterator[None]:
    """Run the block with `environment` in os.environ (and risky AWS settings removed), then put back what was there.

    Only the variables named are touched, so other threads never see a half-built environment.
    """
    with _environment_lock:
        names = [*_CLEARED, *environment]
        saved = {name: os.environ.get(name) for name in names}
        try:
            for name in _CLEARED:
                os.environ.pop(name, None)
            os.environ.update(environment)
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
