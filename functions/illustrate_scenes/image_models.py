"""One adapter per Bedrock image-model family: request body, response parsing, prompt limit, seed range, image size.

Every adapter turns a 200 response into an `ImageOutcome`: an image, a content-filter outcome or a failure with its
reason (aws-facts.md 3). Exceptions raised by the Bedrock call itself are classified in `generation`, because they do
not depend on the family.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
from dataclasses import dataclass
from typing import Any, ClassVar

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CONTENT_FILTER_MARKER = "content filters"  # Nova/Titan wording, in exceptions and in the `error` field


class UnknownModelError(ValueError):
    """The model id names no family this function has an adapter for."""


@dataclass(frozen=True)
class ImageOutcome:
    status: str  # "ok" | "filtered" | "failed"
    image: bytes | None = None
    reason: str | None = None
    # A later attempt of the same request may succeed: throttling, 5xx, timeouts, or access still being granted.
    transient: bool = False

    @classmethod
    def ok(cls, image: bytes, note: str | None = None) -> ImageOutcome:
        return cls("ok", image=image, reason=note)

    @classmethod
    def filtered(cls, reason: str) -> ImageOutcome:
        return cls("filtered", reason=reason)

    @classmethod
    def failed(cls, reason: str, *, transient: bool = False) -> ImageOutcome:
        return cls("failed", reason=reason, transient=transient)


def decode_png(encoded: Any) -> bytes | ImageOutcome:
    """The PNG bytes of one base64 image from a response, or a failed outcome saying what was wrong with it."""
    if not isinstance(encoded, str) or not encoded:
        return ImageOutcome.failed("the response's image is not a base64 string")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return ImageOutcome.failed("the response's image is not valid base64")
    if not data.startswith(PNG_SIGNATURE):
        # The files are written as scene-NNN.png with Content-Type image/png, so anything else is an error.
        return ImageOutcome.failed("the response's image is not a PNG")
    return data


class ImageModel:
    """Base of the family adapters; `model_id` is what InvokeModel receives, unchanged."""

    family: ClassVar[str]
    prompt_limit: ClassVar[int]  # characters of the positive prompt
    negative_prompt_limit: ClassVar[int]
    seed_min: ClassVar[int]
    seed_max: ClassVar[int]  # inclusive
    notice: ClassVar[str | None] = None  # logged once per container, e.g. for a legacy model

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model_id!r})"

    def seed(self, job: str, index: int) -> int:
        """Deterministic per (job, scene), so a re-run draws the same picture for the same prompt."""
        digest = hashlib.sha256(f"{job}\n{index}".encode()).digest()
        return self.seed_min + int.from_bytes(digest[:8], "big") % (self.seed_max - self.seed_min + 1)

    def size_problem(self, width: int, height: int) -> str | None:
        """Why the model cannot produce width x height, or None."""
        raise NotImplementedError

    def size_label(self, width: int, height: int) -> str:
        return f"{width}x{height}"

    def request_body(self, prompt: str, negative_prompt: str, seed: int, width: int, height: int) -> dict[str, Any]:
        raise NotImplementedError

    def parse_response(self, payload: Any) -> ImageOutcome:
        raise NotImplementedError


class _TextImageTask(ImageModel):
    """Nova Canvas and Titan share the TEXT_IMAGE request and the {images, error} response."""

    cfg_scale: ClassVar[float]

    def request_body(self, prompt: str, negative_prompt: str, seed: int, width: int, height: int) -> dict[str, Any]:
        text_params: dict[str, Any] = {"text": prompt}
        if negative_prompt:  # 1 character minimum when present
            text_params["negativeText"] = negative_prompt
        return {
            "taskType": "TEXT_IMAGE",
            "textToImageParams": text_params,
            "imageGenerationConfig": {
                "numberOfImages": 1,
                "width": width,
                "height": height,
                "seed": seed,
                "cfgScale": self.cfg_scale,
                "quality": "standard",
            },
        }

    def parse_response(self, payload: Any) -> ImageOutcome:
        images = (payload.get("images") or []) if isinstance(payload, dict) else None
        if not isinstance(images, list):
            return ImageOutcome.failed("the response is not an object with an images list")
        error = payload.get("error")
        if images:
            # One image was requested, so "Some of the generated images have been blocked" cannot leave one behind;
            # should it happen anyway, the image that arrived is usable and the message is kept as a note.
            decoded = decode_png(images[0])
            if isinstance(decoded, ImageOutcome):
                return decoded
            return ImageOutcome.ok(decoded, note=str(error) if error else None)
        if error and CONTENT_FILTER_MARKER in str(error):
            return ImageOutcome.filtered(f"output blocked by content filters: {error}")
        if error:
            return ImageOutcome.failed(f"the model returned no image: {error}")
        return ImageOutcome.failed("the response contained no image and no error")


class NovaCanvas(_TextImageTask):
    family = "amazon-nova-canvas"
    prompt_limit = 1024
    negative_prompt_limit = 1024
    seed_min = 0
    # The API accepts up to 2,147,483,646, but the AWS SDK example documents 0-858,993,459; stay inside both.
    seed_max = 858_993_458
    cfg_scale = 6.5  # the model's default, sent explicitly so the request alone determines the image
    SIDE_MIN, SIDE_MAX, SIDE_STEP = 320, 4096, 16
    MAX_PIXELS = 4_194_304  # documented as "less than"

    def size_problem(self, width: int, height: int) -> str | None:
        for name, side in (("width", width), ("height", height)):
            if not self.SIDE_MIN <= side <= self.SIDE_MAX or side % self.SIDE_STEP:
                return (
                    f"Nova Canvas needs a {name} between {self.SIDE_MIN} and {self.SIDE_MAX} that is divisible by "
                    f"{self.SIDE_STEP}, got {side}"
                )
        if max(width, height) > 4 * min(width, height):
            return f"Nova Canvas needs an aspect ratio between 1:4 and 4:1, got {width}x{height}"
        if width * height >= self.MAX_PIXELS:
            return f"Nova Canvas needs fewer than {self.MAX_PIXELS} pixels, got {width}x{height}"
        return None


class TitanImage(_TextImageTask):
    family = "amazon-titan-image"
    notice = (
        "Titan Image Generator is a legacy model (v2 reaches end of life on 2026-06-30, v1 was retired earlier); "
        "amazon.nova-canvas-v1:0 takes the same requests"
    )
    prompt_limit = 512
    negative_prompt_limit = 512
    seed_min = 0
    seed_max = 2_147_483_646
    cfg_scale = 8.0
    SIZES: ClassVar[frozenset[tuple[int, int]]] = frozenset(
        {
            (1024, 1024), (768, 768), (512, 512), (768, 1152), (384, 576), (1152, 768), (576, 384),
            (768, 1280), (384, 640), (1280, 768), (640, 384), (896, 1152), (448, 576), (1152, 896),
            (576, 448), (768, 1408), (384, 704), (1408, 768), (704, 384), (640, 1408), (320, 704),
            (1408, 640), (704, 320), (1152, 640), (1173, 640),
        }
    )  # fmt: skip

    def size_problem(self, width: int, height: int) -> str | None:
        if (width, height) in self.SIZES:
            return None
        allowed = ", ".join(f"{w}x{h}" for w, h in sorted(self.SIZES, reverse=True))
        return f"Titan Image Generator accepts only these sizes (width x height): {allowed}; got {width}x{height}"


class StabilityImage(ImageModel):
    """SD3.5 Large, Stable Image Core and Ultra: {prompt, aspect_ratio, ...} in, {images, finish_reasons} out."""

    family = "stability"
    prompt_limit = 10_000
    negative_prompt_limit = 10_000
    seed_min = 1  # 0 asks the model for a random seed
    seed_max = 4_294_967_294
    ASPECT_RATIOS = ("16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21")

    def aspect_ratio(self, width: int, height: int) -> str:
        """The supported ratio closest to width:height (these models take a ratio, not pixel sizes)."""

        def distance(ratio: str) -> float:
            w, h = (int(part) for part in ratio.split(":"))
            return abs(math.log((width / height) / (w / h)))

        return min(self.ASPECT_RATIOS, key=distance)

    def size_problem(self, width: int, height: int) -> str | None:
        return None

    def size_label(self, width: int, height: int) -> str:
        return f"aspect ratio {self.aspect_ratio(width, height)}"

    def request_body(self, prompt: str, negative_prompt: str, seed: int, width: int, height: int) -> dict[str, Any]:
        body: dict[str, Any] = {
            "prompt": prompt,
            "mode": "text-to-image",
            "aspect_ratio": self.aspect_ratio(width, height),
            "output_format": "png",
            "seed": seed,
        }
        if negative_prompt:
            body["negative_prompt"] = negative_prompt
        return body

    def parse_response(self, payload: Any) -> ImageOutcome:
        if not isinstance(payload, dict):
            return ImageOutcome.failed("the response is not a JSON object")
        images = payload.get("images") or []
        reasons = payload.get("finish_reasons") or [None]
        if not isinstance(images, list) or not isinstance(reasons, list):
            return ImageOutcome.failed("the response's images or finish_reasons field is not a list")
        reason = reasons[0]
        # Filtering does not raise here: only finish_reasons[i] is None means a usable image.
        if reason is not None:
            text = str(reason)
            if text.startswith("Filter reason"):
                return ImageOutcome.filtered(f"blocked by content filters ({text})")
            return ImageOutcome.failed(f"the model reported {text!r}", transient=text == "Inference error")
        if not images:
            return ImageOutcome.failed("the response contained no image")
        decoded = decode_png(images[0])
        return decoded if isinstance(decoded, ImageOutcome) else ImageOutcome.ok(decoded)


_ARN = re.compile(r"^arn:aws[\w-]*:bedrock:[^:]*:[^:]*:(?:foundation-model|inference-profile)/(?P<id>.+)$")
_GEO_PREFIX = re.compile(r"^(?:us|us-gov|eu|apac|jp|au|ca|global)\.")
_FAMILIES: tuple[tuple[str, type[ImageModel]], ...] = (
    ("amazon.nova-canvas", NovaCanvas),
    ("amazon.titan-image-generator", TitanImage),
    ("stability.sd3", StabilityImage),
    ("stability.stable-image", StabilityImage),
)
SUPPORTED = "amazon.nova-canvas-v1:0, amazon.titan-image-generator-v1/-v2:0, stability.sd3-5-large-v1:0, " + (
    "stability.stable-image-core-v1:1, stability.stable-image-ultra-v1:1"
)


def base_model_id(model_id: str) -> str:
    """The foundation-model id inside an ARN or a cross-Region inference profile id ("us.stability...")."""
    match = _ARN.match(model_id)
    bare = match.group("id") if match else model_id
    return _GEO_PREFIX.sub("", bare)


def model_for(model_id: str) -> ImageModel:
    base = base_model_id(model_id.strip())
    for prefix, family in _FAMILIES:
        if base.startswith(prefix):
            return family(model_id.strip())
    raise UnknownModelError(f"no image-model adapter for {model_id!r}; supported: {SUPPORTED}")
