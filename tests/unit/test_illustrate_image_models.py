"""Model adapters: request bodies, every documented response outcome (aws-facts.md 3), seeds and sizes."""

from __future__ import annotations

import base64
import re

import pytest
from fake_images import tiny_png

from illustrate_scenes.image_models import (
    NovaCanvas,
    StabilityImage,
    TitanImage,
    UnknownModelError,
    base_model_id,
    model_for,
)

PNG = tiny_png()
PNG_B64 = base64.b64encode(PNG).decode()
NOVA = model_for("amazon.nova-canvas-v1:0")
TITAN = model_for("amazon.titan-image-generator-v2:0")
STABILITY = model_for("stability.sd3-5-large-v1:0")


@pytest.mark.parametrize(
    ("model_id", "family"),
    [
        ("amazon.nova-canvas-v1:0", NovaCanvas),
        ("amazon.titan-image-generator-v1", TitanImage),
        ("amazon.titan-image-generator-v2:0", TitanImage),
        ("stability.sd3-5-large-v1:0", StabilityImage),
        ("stability.stable-image-core-v1:1", StabilityImage),
        ("stability.stable-image-ultra-v1:1", StabilityImage),
        ("us.stability.stable-image-ultra-v1:1", StabilityImage),
        ("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-canvas-v1:0", NovaCanvas),
    ],
)
def test_model_ids_map_to_their_family_and_are_sent_unchanged(model_id: str, family: type) -> None:
    model = model_for(model_id)
    assert type(model) is family
    assert model.model_id == model_id


def test_base_model_id_strips_profile_prefixes_and_arns() -> None:
    assert base_model_id("us.stability.sd3-5-large-v1:0") == "stability.sd3-5-large-v1:0"
    assert base_model_id("arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.x.y") == "x.y"


@pytest.mark.parametrize("model_id", ["stability.stable-diffusion-xl-v1", "amazon.nova-lite-v1:0", ""])
def test_unknown_models_are_refused_with_the_supported_list(model_id: str) -> None:
    with pytest.raises(UnknownModelError, match=re.escape("amazon.nova-canvas-v1:0")):
        model_for(model_id)


@pytest.mark.parametrize("model", [NOVA, TITAN])
def test_nova_and_titan_text_image_request(model) -> None:
    body = model.request_body("a lighthouse", "text", 1234, 1280, 768)
    assert body["taskType"] == "TEXT_IMAGE"
    assert body["textToImageParams"] == {"text": "a lighthouse", "negativeText": "text"}
    config = body["imageGenerationConfig"]
    assert (config["numberOfImages"], config["width"], config["height"], config["seed"]) == (1, 1280, 768, 1234)
    assert 1.1 <= config["cfgScale"] <= 10
    assert config["quality"] in ("standard", "premium")
    assert "negativeText" not in model.request_body("x", "", 1, 1024, 1024)["textToImageParams"]


def test_stability_request_uses_an_aspect_ratio_and_png() -> None:
    body = STABILITY.request_body("a lighthouse", "text", 99, 1344, 768)
    assert body == {
        "prompt": "a lighthouse",
        "negative_prompt": "text",
        "mode": "text-to-image",
        "aspect_ratio": "16:9",
        "output_format": "png",
        "seed": 99,
    }
    assert STABILITY.aspect_ratio(1024, 1024) == "1:1"
    assert STABILITY.aspect_ratio(768, 1152) == "2:3"
    assert STABILITY.aspect_ratio(640, 1536) == "9:21"


@pytest.mark.parametrize(
    ("model", "low", "high"), [(NOVA, 0, 858_993_458), (TITAN, 0, 2_147_483_646), (STABILITY, 1, 4_294_967_294)]
)
def test_seeds_are_deterministic_distinct_and_in_range(model, low: int, high: int) -> None:
    seeds = [model.seed("job-abc", index) for index in range(1, 201)]
    assert seeds == [model.seed("job-abc", index) for index in range(1, 201)]
    assert len(set(seeds)) == len(seeds)
    assert all(low <= seed <= high for seed in seeds)
    assert model.seed("job-abd", 1) != model.seed("job-abc", 1)


def test_nova_and_titan_responses() -> None:
    ok = NOVA.parse_response({"images": [PNG_B64], "error": None})
    assert (ok.status, ok.image) == ("ok", PNG)
    blocked_all = NOVA.parse_response(
        {"images": [], "error": "All of the generated images have been blocked by our content filters."}
    )
    assert blocked_all.status == "filtered"
    assert "content filters" in blocked_all.reason
    # "Some ... blocked" with fewer images than requested: with one requested, none is left.
    fewer = TITAN.parse_response({"error": "Some of the generated images have been blocked by our content filters."})
    assert fewer.status == "filtered"
    other = NOVA.parse_response({"images": [], "error": "something else went wrong"})
    assert (other.status, other.transient) == ("failed", False)
    assert "something else" in other.reason
    assert NOVA.parse_response({"images": []}).status == "failed"


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ({"images": [base64.b64encode(b"GIF89a...").decode()]}, "not a PNG"),
        ({"images": ["***not base64***"]}, "not valid base64"),
        ({"images": [42]}, "not a base64 string"),
        ({"images": "abc"}, "images list"),
        (["images"], "images list"),
    ],
)
def test_unusable_images_fail_with_a_reason(payload, problem: str) -> None:
    outcome = NOVA.parse_response(payload)
    assert outcome.status == "failed"
    assert problem in outcome.reason


def test_stability_responses() -> None:
    ok = STABILITY.parse_response({"seeds": [5], "finish_reasons": [None], "images": [PNG_B64]})
    assert (ok.status, ok.image) == ("ok", PNG)
    for reason in ("Filter reason: prompt", "Filter reason: output image", "Filter reason: input image"):
        # Filtering arrives as HTTP 200 with an image slot: only finish_reasons says it is not usable.
        outcome = STABILITY.parse_response({"seeds": [5], "finish_reasons": [reason], "images": [PNG_B64]})
        assert outcome.status == "filtered"
        assert reason in outcome.reason
    error = STABILITY.parse_response({"seeds": [5], "finish_reasons": ["Inference error"], "images": []})
    assert (error.status, error.transient) == ("failed", True)
    assert STABILITY.parse_response({"finish_reasons": [None], "images": []}).status == "failed"
    assert STABILITY.parse_response("nope").status == "failed"


@pytest.mark.parametrize(("width", "height"), [(1024, 1024), (1280, 720), (320, 1280), (2032, 2032), (2048, 512)])
def test_nova_accepts_documented_sizes(width: int, height: int) -> None:
    assert NOVA.size_problem(width, height) is None


@pytest.mark.parametrize(
    ("width", "height", "problem"),
    [
        (1000, 1024, "divisible by 16"),
        (304, 1024, "between 320 and 4096"),
        (4112, 1024, "between 320 and 4096"),
        (320, 1600, "aspect ratio"),
        (2048, 2048, "fewer than"),
    ],
)
def test_nova_refuses_other_sizes(width: int, height: int, problem: str) -> None:
    assert problem in NOVA.size_problem(width, height)


def test_titan_accepts_only_its_size_table() -> None:
    assert TITAN.size_problem(1173, 640) is None
    assert TITAN.size_problem(1024, 1024) is None
    assert "1024x1024" in TITAN.size_problem(1000, 1000)


def test_size_labels() -> None:
    assert NOVA.size_label(1280, 720) == "1280x720"
    assert STABILITY.size_label(1280, 720) == "aspect ratio 16:9"
