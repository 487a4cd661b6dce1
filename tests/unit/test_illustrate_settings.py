"""Configuration: defaults, and a ConfigError that names the variable for every mistake a user can make."""

from __future__ import annotations

import pytest

from illustrate_scenes.image_models import NovaOmniImage, StabilityImage
from illustrate_scenes.settings import load_settings
from pipeline_core.config import ConfigError

BASE = {"IMAGE_BUCKET": "images-bucket"}


def test_defaults() -> None:
    settings = load_settings(BASE)
    assert settings.image_bucket == "images-bucket"
    assert settings.image_model_id == "stability.stable-image-core-v1:1"
    assert isinstance(settings.image_model, StabilityImage)
    assert (settings.scene_seconds, settings.max_images, settings.concurrency) == (30, 10, 4)
    assert (settings.aspect_ratio, settings.bedrock_region) == ("16:9", "us-west-2")
    assert settings.style == ""
    assert settings.prompt_director
    assert settings.prompt_model_id == "us.amazon.nova-lite-v1:0"
    assert settings.log_level == "INFO"


def test_every_variable_is_read() -> None:
    settings = load_settings(
        {
            **BASE,
            "IMAGE_MODEL_ID": "us.amazon.nova-2-omni-v1:0",
            "SCENE_SECONDS": "45",
            "MAX_IMAGES_PER_FILE": "3",
            "IMAGE_STYLE": "linocut print",
            "PROMPT_MODEL_ID": "us.amazon.nova-micro-v1:0",
            "IMAGE_CONCURRENCY": "2",
            "IMAGE_ASPECT_RATIO": "1:1",
            "BEDROCK_REGION": "us-west-2",
        }
    )
    assert isinstance(settings.image_model, NovaOmniImage)
    assert (settings.scene_seconds, settings.max_images, settings.concurrency) == (45, 3, 2)
    assert (settings.aspect_ratio, settings.style, settings.bedrock_region) == ("1:1", "linocut print", "us-west-2")
    assert settings.prompt_model_id == "us.amazon.nova-micro-v1:0"
    options = settings.plan_options()
    assert (options.model, options.scene_seconds, options.max_images, options.style) == (
        settings.image_model,
        45,
        3,
        "linocut print",
    )


def test_omni_defaults_to_its_home_region_and_the_director_can_be_turned_off() -> None:
    settings = load_settings({**BASE, "IMAGE_MODEL_ID": "us.amazon.nova-2-omni-v1:0", "PROMPT_DIRECTOR": "false"})
    assert settings.bedrock_region == "us-east-1"
    assert (settings.prompt_director, settings.prompt_model_id) == (False, None)


@pytest.mark.parametrize("model_id", ["amazon.nova-canvas-v1:0", "amazon.titan-image-generator-v2:0"])
def test_a_retired_model_stops_the_function_with_its_end_of_life_and_the_active_models(model_id: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({**BASE, "IMAGE_MODEL_ID": model_id})
    message = str(raised.value)
    assert message.startswith(f'environment variable IMAGE_MODEL_ID: model "{model_id}"')
    assert "reached end of life on 2026-" in message
    assert "Active image models: stability.sd3-5-large-v1:0, stability.stable-image-core-v1:1" in message


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
        ({**BASE, "IMAGE_ASPECT_RATIO": "4:3"}, "IMAGE_ASPECT_RATIO"),
        ({**BASE, "IMAGE_MODEL_ID": "us.amazon.nova-2-omni-v1:0", "IMAGE_ASPECT_RATIO": "9:16"}, "IMAGE_ASPECT_RATIO"),
        ({**BASE, "IMAGE_MODEL_ID": "us.amazon.nova-2-omni-v1:0", "IMAGE_STYLE": "x" * 2001}, "IMAGE_STYLE"),
        ({**BASE, "BEDROCK_REGION": "eu-west-1"}, "BEDROCK_REGION"),
        ({**BASE, "PROMPT_DIRECTOR": "maybe"}, "PROMPT_DIRECTOR"),
        ({**BASE, "PROMPT_MODEL_ID": "amazon.nova-premier-v1:0"}, "PROMPT_MODEL_ID"),
        ({**BASE, "PROMPT_MODEL_ID": "acme.chat-v1"}, "PROMPT_MODEL_ID"),
        ({**BASE, "LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
    ],
)
def test_invalid_configuration_names_the_variable(environ: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        load_settings(environ)


def test_a_director_model_not_served_in_the_bedrock_region_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline_core.models import CATALOGUE

    monkeypatch.setitem(CATALOGUE.text["us.amazon.nova-micro-v1:0"].data, "regions", ["us-east-1"])
    with pytest.raises(
        ConfigError, match=r"PROMPT_MODEL_ID: us\.amazon\.nova-micro-v1:0 is served in us-east-1, not in"
    ):
        load_settings({**BASE, "PROMPT_MODEL_ID": "us.amazon.nova-micro-v1:0"})  # Stable Image Core: us-west-2
