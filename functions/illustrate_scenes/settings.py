"""The image function's configuration: the environment Terraform sets, read once and validated as a whole."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from illustrate_scenes.image_models import ImageModel, UnknownModelError, model_for
from illustrate_scenes.plan import PlanOptions
from illustrate_scenes.prompts import prompt_length
from illustrate_scenes.subtitle_tracks import SubtitleOptions, load_subtitle_options
from pipeline_core.config import ConfigError, env_int, env_log_level, env_str

DEFAULT_IMAGE_MODEL_ID = "amazon.nova-canvas-v1:0"
DEFAULT_SCENE_SECONDS = 30
DEFAULT_MAX_IMAGES = 10
DEFAULT_CONCURRENCY = 4
DEFAULT_SIZE = 1024
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
    prompt_model_id: str | None
    concurrency: int
    width: int
    height: int
    log_level: str = "INFO"
    subtitles: SubtitleOptions = field(default_factory=SubtitleOptions)

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
    width = env_int("IMAGE_WIDTH", DEFAULT_SIZE, minimum=1, environ=environ)
    height = env_int("IMAGE_HEIGHT", DEFAULT_SIZE, minimum=1, environ=environ)
    problem = model.size_problem(width, height)
    if problem:
        raise ConfigError(f"environment variables IMAGE_WIDTH/IMAGE_HEIGHT ({width}x{height}): {problem}")
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
        prompt_model_id=env_str("PROMPT_MODEL_ID", "", environ=environ) or None,
        concurrency=env_int(
            "IMAGE_CONCURRENCY", DEFAULT_CONCURRENCY, minimum=1, maximum=MAX_CONCURRENCY, environ=environ
        ),
        width=width,
        height=height,
        log_level=log_level,
        subtitles=load_subtitle_options(environ),
    )
