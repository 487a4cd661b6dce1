"""One adapter per Active Bedrock image-model family: request, response parsing; limits come from the catalogue.

Every adapter turns a 200 response into an `ImageOutcome`: an image, a content-filter outcome or a failure with its
reason (aws-facts.md 3). Exceptions raised by the Bedrock call itself are classified in `generation`, because they do
not depend on the family. Stability models are called with InvokeModel; Nova 2 Omni (Preview) with Converse. The
retired Nova Canvas and Titan models have no adapter (nobody can call them); their catalogue entries remain so that
they are refused with their end-of-life date (pipeline_core/models.json).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any, ClassVar

from pipeline_core.models import CATALOGUE, ModelEntry

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CONTENT_FILTER_MARKER = "content filters"  # Bedrock wording of a blocked prompt (ValidationException)


class UnknownModelError(ValueError):
    """The model id is retired or not in the catalogue; the message names the Active alternatives."""


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
    """Base of the family adapters; `model_id` is what Bedrock receives, unchanged. Limits come from the catalogue."""

    family: ClassVar[str]
    api: ClassVar[str]  # "invoke_model" | "converse"

    def __init__(self, entry: ModelEntry) -> None:
        self.entry = entry
        self.model_id = entry.model_id
        self.prompt_limit = int(entry.data["prompt_limit"])
        self.negative_prompt_limit = int(entry.data.get("negative_prompt_limit") or 0)
        self.seed_min = int(entry.data.get("seed_min") or 0)
        self.seed_max = int(entry.data.get("seed_max") or 0)
        self.aspect_ratios: dict[str, tuple[int, int]] = {
            ratio: (int(size[0]), int(size[1])) for ratio, size in entry.data["aspect_ratios"].items()
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model_id!r})"

    @property
    def takes_seed(self) -> bool:
        return self.seed_max > self.seed_min

    @property
    def takes_negative_prompt(self) -> bool:
        return self.negative_prompt_limit > 0

    def seed(self, base_seed: int, index: int) -> int:
        """Scene seed derived from the file's base seed: a re-run draws the same picture for the same prompt."""
        if not self.takes_seed:
            return 0
        digest = hashlib.sha256(f"{base_seed}\n{index}".encode()).digest()
        return self.seed_min + int.from_bytes(digest[:8], "big") % (self.seed_max - self.seed_min + 1)

    def aspect_problem(self, aspect_ratio: str) -> str | None:
        """Why the model cannot produce `aspect_ratio`, or None."""
        if aspect_ratio in self.aspect_ratios:
            return None
        return f"{self.model_id} offers the aspect ratios {', '.join(self.aspect_ratios)}; got {aspect_ratio!r}"

    def size_label(self, aspect_ratio: str) -> str:
        width, height = self.aspect_ratios[aspect_ratio]
        return f"aspect ratio {aspect_ratio} (about {width}x{height})"

    def request(self, prompt: str, negative_prompt: str, seed: int, aspect_ratio: str) -> dict[str, Any]:
        """Keyword arguments for the bedrock-runtime call named by `api`."""
        raise NotImplementedError

    def parse_response(self, payload: Any) -> ImageOutcome:
        raise NotImplementedError


class StabilityImage(ImageModel):
    """SD3.5 Large, Stable Image Core and Ultra: {prompt, aspect_ratio, ...} in, {images, seeds, finish_reasons} out."""

    family = "stability"
    api = "invoke_model"

    def request_body(self, prompt: str, negative_prompt: str, seed: int, aspect_ratio: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "prompt": prompt,
            "mode": "text-to-image",
            "aspect_ratio": aspect_ratio,
            "output_format": "png",
            "seed": seed,
        }
        if negative_prompt:
            body["negative_prompt"] = negative_prompt
        return body

    def request(self, prompt: str, negative_prompt: str, seed: int, aspect_ratio: str) -> dict[str, Any]:
        body = self.request_body(prompt, negative_prompt, seed, aspect_ratio)
        return {
            "modelId": self.model_id,
            "body": json.dumps(body),
            "contentType": "application/json",
            "accept": "application/json",
        }

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


class NovaOmniImage(ImageModel):
    """Nova 2 Omni (Preview) through Converse: the size is asked for in the prompt, the image comes as a content block.

    No documented seed or negative prompt (aws-facts.md 3.0.1), so neither is sent; "no text" is asked in the prompt.
    """

    family = "nova-omni"
    api = "converse"

    def instruction(self, negative_prompt: str, aspect_ratio: str) -> str:
        width, height = self.aspect_ratios[aspect_ratio]
        return f" Make it {aspect_ratio} ({width}x{height}). No text, letters, captions or logos in the picture."

    def request(self, prompt: str, negative_prompt: str, seed: int, aspect_ratio: str) -> dict[str, Any]:
        text = "Create an image: " + prompt + self.instruction(negative_prompt, aspect_ratio)
        return {"modelId": self.model_id, "messages": [{"role": "user", "content": [{"text": text}]}]}

    def parse_response(self, payload: Any) -> ImageOutcome:
        if not isinstance(payload, dict):
            return ImageOutcome.failed("the response is not an object")
        if payload.get("stopReason") in ("content_filtered", "guardrail_intervened"):
            return ImageOutcome.filtered(f"blocked by content filters (stopReason {payload['stopReason']})")
        content = ((payload.get("output") or {}).get("message") or {}).get("content") or []
        blocks = [block for block in content if isinstance(block, dict)]
        image = next((block["image"] for block in blocks if isinstance(block.get("image"), dict)), None)
        if image is not None:
            return _image_block(image)
        text = " ".join(str(block["text"]) for block in blocks if isinstance(block.get("text"), str)).strip()
        if text:
            return ImageOutcome.failed(f"the model replied with text and no image: {text[:500]}")
        return ImageOutcome.failed("the response contained no image")


def _image_block(image: dict[str, Any]) -> ImageOutcome:
    data = (image.get("source") or {}).get("bytes")
    if not isinstance(data, bytes | bytearray):
        return ImageOutcome.failed("the response's image block carries no bytes")
    if not bytes(data).startswith(PNG_SIGNATURE):
        # The bytes are stored as scene-NNN.png; anything but a PNG would be mislabelled.
        return ImageOutcome.failed(f"the model returned a {image.get('format', 'non-PNG')} image, not a PNG")
    return ImageOutcome.ok(bytes(data))


_FAMILIES: dict[str, type[ImageModel]] = {StabilityImage.family: StabilityImage, NovaOmniImage.family: NovaOmniImage}


def refusal(model_id: str) -> str | None:
    """The message for a retired or unknown image model (the same one `terraform plan` gives), or None."""
    return CATALOGUE.refusal(model_id, "image")


def model_for(model_id: str) -> ImageModel:
    model_id = model_id.strip()
    problem = refusal(model_id)
    if problem:
        raise UnknownModelError(problem)
    entry = CATALOGUE.image[model_id]
    return _FAMILIES[entry.data["family"]](entry)
