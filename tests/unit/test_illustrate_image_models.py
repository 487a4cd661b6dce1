"""Model adapters against the documented request and response shapes (aws-facts.md 3.0.1, 3.3): Stability's
`images`/`seeds`/`finish_reasons` with every finish reason, Nova 2 Omni's Converse image block and its text-only reply;
seeds, aspect ratios, and the refusal of retired and unknown models with the catalogue's message."""

from __future__ import annotations

import base64

import pytest
from fake_images import tiny_png

from illustrate_scenes.image_models import NovaOmniImage, StabilityImage, UnknownModelError, model_for
from pipeline_core.models import CATALOGUE, base_model_id

PNG = tiny_png()
PNG_B64 = base64.b64encode(PNG).decode()
STABILITY = model_for("stability.sd3-5-large-v1:0")
OMNI = model_for("us.amazon.nova-2-omni-v1:0")
ACTIVE = "stability.sd3-5-large-v1:0, stability.stable-image-core-v1:1, stability.stable-image-ultra-v1:1, "
ACTIVE += "us.amazon.nova-2-omni-v1:0 (preview)"


@pytest.mark.parametrize(
    ("model_id", "family"),
    [
        ("stability.sd3-5-large-v1:0", StabilityImage),
        ("stability.stable-image-core-v1:1", StabilityImage),
        ("stability.stable-image-ultra-v1:1", StabilityImage),
        ("us.amazon.nova-2-omni-v1:0", NovaOmniImage),
    ],
)
def test_active_model_ids_map_to_their_family_and_are_sent_unchanged(model_id: str, family: type) -> None:
    model = model_for(model_id)
    assert type(model) is family
    assert model.model_id == model_id
    assert model.entry.usable


def test_base_model_id_strips_profile_prefixes() -> None:
    assert base_model_id("us.amazon.nova-lite-v1:0") == "amazon.nova-lite-v1:0"
    assert base_model_id("stability.sd3-5-large-v1:0") == "stability.sd3-5-large-v1:0"


@pytest.mark.parametrize(
    ("model_id", "end_of_life"),
    [
        ("amazon.nova-canvas-v1:0", "2026-09-30"),
        ("amazon.titan-image-generator-v2:0", "2026-06-30"),
        ("amazon.titan-image-generator-v1", "a date AWS did not publish"),
        ("stability.stable-image-core-v1:0", "2025-10 or earlier"),
    ],
)
def test_retired_models_are_refused_with_their_end_of_life_and_the_active_ones(model_id: str, end_of_life: str) -> None:
    with pytest.raises(UnknownModelError) as raised:
        model_for(model_id)
    message = str(raised.value)
    assert f'model "{model_id}"' in message
    assert f"reached end of life on {end_of_life}" in message
    assert message.endswith(f"Active image models: {ACTIVE}.")


@pytest.mark.parametrize("model_id", ["stability.stable-diffusion-xl-v1", "amazon.nova-lite-v1:0", "", "us.x.y"])
def test_unknown_models_are_refused_with_the_active_list(model_id: str) -> None:
    with pytest.raises(UnknownModelError, match="not in the image-model catalogue") as raised:
        model_for(model_id)
    assert ACTIVE in str(raised.value)


def test_retired_ids_stay_in_the_catalogue_marked_retired() -> None:
    for model_id in ("amazon.nova-canvas-v1:0", "amazon.titan-image-generator-v1", "amazon.titan-image-generator-v2:0"):
        assert CATALOGUE.image[model_id].state == "retired"
    assert CATALOGUE.default_image_model == "stability.stable-image-core-v1:1"
    assert CATALOGUE.image[CATALOGUE.default_image_model].usable


def test_the_default_is_the_cheapest_active_image_model_with_a_published_price() -> None:
    priced = {mid: e.price_usd for mid, e in CATALOGUE.image.items() if e.usable and e.price_usd is not None}
    assert min(priced, key=priced.__getitem__) == CATALOGUE.default_image_model


def test_stability_request_uses_the_aspect_ratio_and_png() -> None:
    body = STABILITY.request_body("a lighthouse", "text", 99, "16:9")
    assert body == {
        "prompt": "a lighthouse",
        "negative_prompt": "text",
        "mode": "text-to-image",
        "aspect_ratio": "16:9",
        "output_format": "png",
        "seed": 99,
    }
    assert "negative_prompt" not in STABILITY.request_body("x", "", 1, "1:1")
    request = STABILITY.request("a lighthouse", "text", 99, "16:9")
    assert (request["modelId"], request["contentType"], request["accept"]) == (
        "stability.sd3-5-large-v1:0",
        "application/json",
        "application/json",
    )


def test_omni_asks_for_the_size_and_no_text_in_the_prompt_and_sends_no_seed() -> None:
    request = OMNI.request("a lighthouse at dawn", "", 0, "16:9")
    assert request["modelId"] == "us.amazon.nova-2-omni-v1:0"
    [message] = request["messages"]
    text = message["content"][0]["text"]
    assert message["role"] == "user"
    assert "a lighthouse at dawn" in text
    assert "16:9 (2704x1520)" in text
    assert "No text" in text
    assert not OMNI.takes_seed
    assert not OMNI.takes_negative_prompt
    assert OMNI.seed(12345, 1) == 0


@pytest.mark.parametrize(("model", "low", "high"), [(STABILITY, 1, 4_294_967_294)])
def test_seeds_derive_from_the_base_seed_deterministic_distinct_and_in_range(model, low: int, high: int) -> None:
    seeds = [model.seed(424242, index) for index in range(1, 201)]
    assert seeds == [model.seed(424242, index) for index in range(1, 201)]
    assert len(set(seeds)) == len(seeds)
    assert all(low <= seed <= high for seed in seeds)
    assert model.seed(424243, 1) != model.seed(424242, 1)


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ({"finish_reasons": [None], "images": [base64.b64encode(b"GIF89a...").decode()]}, "not a PNG"),
        ({"finish_reasons": [None], "images": ["***not base64***"]}, "not valid base64"),
        ({"finish_reasons": [None], "images": [42]}, "not a base64 string"),
        ({"images": "abc"}, "not a list"),
        (["images"], "not a JSON object"),
    ],
)
def test_unusable_images_fail_with_a_reason(payload, problem: str) -> None:
    outcome = STABILITY.parse_response(payload)
    assert outcome.status == "failed"
    assert problem in outcome.reason


def test_stability_responses_for_every_finish_reason() -> None:
    ok = STABILITY.parse_response({"seeds": [5], "finish_reasons": [None], "images": [PNG_B64]})
    assert (ok.status, ok.image) == ("ok", PNG)
    for reason in ("Filter reason: prompt", "Filter reason: output image", "Filter reason: input image"):
        # Filtering arrives as HTTP 200 with an image slot: only finish_reasons says it is not usable.
        outcome = STABILITY.parse_response({"seeds": [5], "finish_reasons": [reason], "images": [PNG_B64]})
        assert outcome.status == "filtered"
        assert reason in outcome.reason
    error = STABILITY.parse_response({"seeds": [5], "finish_reasons": ["Inference error"], "images": []})
    assert (error.status, error.transient) == ("failed", True)
    assert "Inference error" in error.reason
    assert STABILITY.parse_response({"finish_reasons": [None], "images": []}).status == "failed"
    assert STABILITY.parse_response("nope").status == "failed"


def _omni_reply(*content: dict, stop: str = "end_turn") -> dict:
    return {"output": {"message": {"role": "assistant", "content": list(content)}}, "stopReason": stop}


def test_omni_responses() -> None:
    ok = OMNI.parse_response(
        _omni_reply({"text": "Here it is."}, {"image": {"format": "png", "source": {"bytes": PNG}}})
    )
    assert (ok.status, ok.image) == ("ok", PNG)
    text_only = OMNI.parse_response(_omni_reply({"text": "I can't create that image, but here is a description."}))
    assert (text_only.status, text_only.transient) == ("failed", False)
    assert "replied with text and no image: I can't create that image" in text_only.reason
    filtered = OMNI.parse_response(_omni_reply({"text": "blocked"}, stop="content_filtered"))
    assert filtered.status == "filtered"
    jpeg = OMNI.parse_response(_omni_reply({"image": {"format": "jpeg", "source": {"bytes": b"\xff\xd8\xff"}}}))
    assert (jpeg.status, "jpeg image, not a PNG" in jpeg.reason) == ("failed", True)
    assert OMNI.parse_response(_omni_reply({"image": {"format": "png", "source": {}}})).status == "failed"
    assert OMNI.parse_response(_omni_reply()).reason == "the response contained no image"
    assert OMNI.parse_response([]).status == "failed"


def test_aspect_ratios_come_from_the_catalogue() -> None:
    assert STABILITY.aspect_problem("16:9") is None
    assert STABILITY.aspect_problem("9:21") is None
    assert "offers the aspect ratios 16:9, 1:1" in OMNI.aspect_problem("21:9")
    assert STABILITY.size_label("16:9") == "aspect ratio 16:9 (about 1344x768)"
    assert OMNI.size_label("1:1") == "aspect ratio 1:1 (about 2048x2048)"
