"""The image function's configuration: the environment Terraform sets, read once and validated as a whole."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from illustrate_scenes.image_models import ImageModel, UnknownModelError, model_for
from illustrate_scenes.plan import PlanOptions
from illustrate_scenes.prompts import prompt_length
from illustrate_scenes.subtitle_tracks import SubtitleOptions, load_subtitle_options
from pipeline_core.config import ConfigError, env_int, env_log_level, env_str
from pipeline_core.models import CATALOGUE

# Stable Image Core v1:1: Active, and the cheapest Active image model ($0.04 an image, models.json).
DEFAULT_IMAGE_MODEL_ID = CATALOGUE.default_image_model
DEFAULT_PROMPT_MODEL_ID = CATALOGUE.default_prompt_model
DEFAULT_ASPECT_RATIO = "16:9"  # what a talk's slides use
DEFAULT_SCENE_SECONDS = 30
DEFAULT_MAX_IMAGES = 10
DEFAULT_CONCURRENCY = 4
MAX_IMAGES_LIMIT = 1000  # far beyond what one 15-minute invocation can generate; catches a stray extra digit
MAX_CONCURRENCY = 16  # pipeline_core.aws keeps 16 connections per Bedrock client


@dataclass(frozen=True)
class Settings:
    image_bucket: str
    image_model_id: str
    image_model: ImageModel
    scene_seconds: int
    max_images: int
    style: str
    prompt_model_id: str | None  # the prompt director's model; None when the director is off
    concurrency: int
    aspect_ratio: str
    bedrock_region: str
    log_level: str = "INFO"
    subtitles: SubtitleOptions = field(default_factory=SubtitleOptions)

    @property
    def prompt_director(self) -> bool:
        return self.prompt_model_id is not None

    def plan_options(self) -> PlanOptions:
        return PlanOptions(
            model=self.image_model,
            scene_seconds=self.scene_seconds,
            max_images=self.max_images,
            style=self.style,
            subtitles=self.subtitles,
        )


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Every variable of the image function, or ConfigError naming the first one that is wrong."""
    image_bucket = env_str("IMAGE_BUCKET", environ=environ)
    log_level = env_log_level(environ=environ)
    model_id = env_str("IMAGE_MODEL_ID", DEFAULT_IMAGE_MODEL_ID, environ=environ)
    try:
        model = model_for(model_id)
    except UnknownModelError as exc:
        raise ConfigError(f"environment variable IMAGE_MODEL_ID: {exc}") from None
    aspect_ratio = env_str("IMAGE_ASPECT_RATIO", DEFAULT_ASPECT_RATIO, environ=environ)
    problem = model.aspect_problem(aspect_ratio)
    if problem:
        raise ConfigError(f"environment variable IMAGE_ASPECT_RATIO: {problem}")
    region = env_str("BEDROCK_REGION", model.entry.home_region or "", environ=environ)
    if region not in model.entry.regions:
        raise ConfigError(
            f"environment variable BEDROCK_REGION: {model_id} runs on demand in {', '.join(model.entry.regions)}, "
            f"not in {region!r}"
        )
    prompt_model_id = _prompt_model(environ)
    text_regions = CATALOGUE.text[prompt_model_id].regions if prompt_model_id else (region,)
    if region not in text_regions:
        raise ConfigError(
            f"environment variable PROMPT_MODEL_ID: {prompt_model_id} is served in {', '.join(text_regions)}, not in "
            f"the Bedrock Region {region} (BEDROCK_REGION); choose a director model offered there"
        )
    style = env_str("IMAGE_STYLE", "", environ=environ)
    style_room = model.prompt_limit // 2
    if prompt_length(style) > style_room:
        raise ConfigError(
            f"environment variable IMAGE_STYLE is {prompt_length(style)} characters; {model_id} takes prompts of at "
            f"most {model.prompt_limit}, so keep the style within {style_room} to leave room for the scene text"
        )
    return Settings(
        image_bucket=image_bucket,
        image_model_id=model_id,
        image_model=model,
        scene_seconds=env_int("SCENE_SECONDS", DEFAULT_SCENE_SECONDS, minimum=1, maximum=14_400, environ=environ),
        max_images=env_int(
            "MAX_IMAGES_PER_FILE", DEFAULT_MAX_IMAGES, minimum=1, maximum=MAX_IMAGES_LIMIT, environ=environ
        ),
        style=style,
        prompt_model_id=prompt_model_id,
        concurrency=env_int(
            "IMAGE_CONCURRENCY", DEFAULT_CONCURRENCY, minimum=1, maximum=MAX_CONCURRENCY, environ=environ
        ),
        aspect_ratio=aspect_ratio,
        bedrock_region=region,
        log_level=log_level,
        subtitles=load_subtitle_options(environ),
    )


def _prompt_model(environ: Mapping[str, str] | None) -> str | None:
    """The director's text model, or None when PROMPT_DIRECTOR is false."""
    switch = env_str("PROMPT_DIRECTOR", "true", environ=environ).lower()
    if switch not in ("true", "false"):
        raise ConfigError(f"environment variable PROMPT_DIRECTOR must be true or false, got {switch!r}")
    if switch == "false":
        return None
    model_id = env_str("PROMPT_MODEL_ID", DEFAULT_PROMPT_MODEL_ID, environ=environ)
    problem = CATALOGUE.refusal(model_id, "text")
    if problem:
        raise ConfigError(f"environment variable PROMPT_MODEL_ID: {problem}")
    return model_id
