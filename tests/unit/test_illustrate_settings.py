"""Configuration: defaults, and a ConfigError that names the variable for every mistake a user can make."""

from __future__ import annotations

import pytest

from illustrate_scenes.image_models import NovaCanvas, StabilityImage, TitanImage
from illustrate_scenes.settings import load_settings
from pipeline_core.config import ConfigError

BASE = {"IMAGE_BUCKET": "images-bucket"}


def test_defaults() -> None:
    settings = load_settings(BASE)
    assert settings.image_bucket == "images-bucket"
    assert settings.image_model_id == "amazon.nova-canvas-v1:0"
    assert isinstance(settings.image_model, NovaCanvas)
    assert (settings.scene_seconds, settings.max_images, settings.concurrency) == (30, 10, 4)
    assert (settings.width, settings.height) == (1024, 1024)
    assert settings.style == ""
    assert settings.prompt_model_id is None
    assert settings.log_level == "INFO"


def test_every_variable_is_read() -> None:
    settings = load_settings(
        {
            **BASE,
            "IMAGE_MODEL_ID": "amazon.titan-image-generator-v2:0",
            "SCENE_SECONDS": "45",
            "MAX_IMAGES_PER_FILE": "3",
            "IMAGE_STYLE": "linocut print",
            "PROMPT_MODEL_ID": "us.amazon.nova-lite-v1:0",
            "IMAGE_CONCURRENCY": "2",
            "IMAGE_WIDTH": "1152",
            "IMAGE_HEIGHT": "640",
        }
    )
    assert isinstance(settings.image_model, TitanImage)
    assert (settings.scene_seconds, settings.max_images, settings.concurrency) == (45, 3, 2)
    assert (settings.width, settings.height, settings.style) == (1152, 640, "linocut print")
    assert settings.prompt_model_id == "us.amazon.nova-lite-v1:0"
    options = settings.plan_options()
    assert (options.model, options.scene_seconds, options.max_images, options.style) == (
        settings.image_model,
        45,
        3,
        "linocut print",
    )


def test_stability_takes_any_size_as_an_aspect_ratio() -> None:
    settings = load_settings({**BASE, "IMAGE_MODEL_ID": "stability.stable-image-core-v1:1", "IMAGE_WIDTH": "1000"})
    assert isinstance(settings.image_model, StabilityImage)


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({}, "IMAGE_BUCKET"),
        ({**BASE, "IMAGE_MODEL_ID": "stability.stable-diffusion-xl-v1"}, "IMAGE_MODEL_ID"),
        ({**BASE, "SCENE_SECONDS": "thirty"}, "SCENE_SECONDS"),
        ({**BASE, "SCENE_SECONDS": "0"}, "SCENE_SECONDS"),
        ({**BASE, "MAX_IMAGES_PER_FILE": "0"}, "MAX_IMAGES_PER_FILE"),
        ({**BASE, "MAX_IMAGES_PER_FILE": "100000"}, "MAX_IMAGES_PER_FILE"),
        ({**BASE, "IMAGE_CONCURRENCY": "0"}, "IMAGE_CONCURRENCY"),
        ({**BASE, "IMAGE_CONCURRENCY": "64"}, "IMAGE_CONCURRENCY"),
        ({**BASE, "IMAGE_WIDTH": "1000"}, "IMAGE_WIDTH"),
        ({**BASE, "IMAGE_HEIGHT": "-5"}, "IMAGE_HEIGHT"),
        ({**BASE, "IMAGE_MODEL_ID": "amazon.titan-image-generator-v1", "IMAGE_WIDTH": "1280"}, "IMAGE_WIDTH"),
        ({**BASE, "IMAGE_MODEL_ID": "amazon.titan-image-generator-v1", "IMAGE_STYLE": "x" * 300}, "IMAGE_STYLE"),
        ({**BASE, "LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ],
)
def test_invalid_configuration_names_the_variable(environ: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        load_settings(environ)
