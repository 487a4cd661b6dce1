"""Stand-in for the Amazon Bedrock runtime, which moto does not emulate (its InvokeModel returns `{}`).

It takes the requests the image function really builds, checks them against the limits of the model family (a request
the real model would refuse fails here too, with the same error code), and answers in that family's response shape
with a PNG rendered locally: a background generated from the prompt, the prompt itself and the part of the audio the
prompt's words come from. Installed with `pipeline_core.aws.override("bedrock-runtime", ...)`.

`answer_with` makes it answer as the service does when things go wrong (throttling, access denied, content filters,
a 200 response without an image), for the requests a rule picks; see `Rule`.
"""

from __future__ import annotations

import base64
import colorsys
import hashlib
import io
import json
import re
import textwrap
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.response import StreamingBody
from PIL import Image, ImageDraw, ImageFont

from local_stack.environment import FAKE_CREDENTIALS, REGION

Words = Sequence[tuple[str, float, float]]  # (word, start, end) of a transcript
# (model id, prompt, request) -> None to answer normally, an exception to raise (see `error`), or the JSON document of
# a 200 response to send instead of the rendered image. Checked after the request passed the model's own checks.
Rule = Callable[[str, str, dict[str, Any]], "dict[str, Any] | Exception | None"]

NOVA, TITAN, STABILITY = "nova", "titan", "stability"
_GEO_PREFIX = re.compile(r"^(us|eu|apac|us-gov|global|jp|au|ca)\.")
_FAMILIES = {
    "amazon.nova-canvas-v1:0": NOVA,
    "amazon.titan-image-generator-v1": TITAN,
    "amazon.titan-image-generator-v2:0": TITAN,
    "stability.sd3-5-large-v1:0": STABILITY,
    "stability.stable-image-core-v1:1": STABILITY,
    "stability.stable-image-ultra-v1:1": STABILITY,
}
TEXT_LIMITS = {NOVA: 1024, TITAN: 512, STABILITY: 10000}
NOVA_STYLES = {
    "3D_ANIMATED_FAMILY_FILM",
    "DESIGN_SKETCH",
    "FLAT_VECTOR_ILLUSTRATION",
    "GRAPHIC_NOVEL_ILLUSTRATION",
    "MAXIMALISM",
    "MIDCENTURY_RETRO",
    "PHOTOREALISM",
    "SOFT_DIGITAL_PAINTING",
}
TITAN_SIZES = {
    (1024, 1024),
    (768, 768),
    (512, 512),
    (768, 1152),
    (384, 576),
    (1152, 768),
    (576, 384),
    (768, 1280),
    (384, 640),
    (1280, 768),
    (640, 384),
    (896, 1152),
    (448, 576),
    (1152, 896),
    (576, 448),
    (768, 1408),
    (384, 704),
    (1408, 768),
    (704, 384),
    (640, 1408),
    (320, 704),
    (1408, 640),
    (704, 320),
    (1152, 640),
    (1173, 640),
}
STABILITY_SIZES = {
    "1:1": (1024, 1024),
    "16:9": (1344, 768),
    "21:9": (1536, 640),
    "2:3": (832, 1216),
    "3:2": (1216, 832),
    "4:5": (896, 1088),
    "5:4": (1088, 896),
    "9:16": (768, 1344),
    "9:21": (640, 1536),
}
MIN_MATCH_WORDS = 3


def model_family(model_id: str) -> str | None:
    """The family of a model ID, inference profile ID (us.amazon.nova-canvas-v1:0) or ARN of either."""
    name = model_id.rpartition("/")[2] if model_id.startswith("arn:") else model_id
    return _FAMILIES.get(_GEO_PREFIX.sub("", name))


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def matched_span(prompt: str, words: Words) -> tuple[float, float, int] | None:
    """(start, end, matched words) of the stretch of the transcript the prompt quotes, found as runs of at least
    MIN_MATCH_WORDS consecutive words shared by both; None when the prompt quotes nothing."""
    prompt_tokens = _tokens(prompt)
    spoken = [(_tokens(word) or [""])[0] for word, _, _ in words]
    covered: set[int] = set()
    previous = [0] * (len(spoken) + 1)
    for token in prompt_tokens:
        current = [0] * (len(spoken) + 1)
        for j, word in enumerate(spoken, start=1):
            if word and word == token:
                current[j] = previous[j - 1] + 1
                if current[j] >= MIN_MATCH_WORDS:
                    covered.update(range(j - current[j], j))
        previous = current
    if not covered:
        return None
    # The largest cluster of quoted words (gaps of up to two words allowed), so stray matches elsewhere don't count.
    clusters: list[list[int]] = []
    for index in sorted(covered):
        if clusters and index - clusters[-1][-1] <= 3:
            clusters[-1].append(index)
        else:
            clusters.append([index])
    best = max(clusters, key=len)
    return words[best[0]][1], words[best[-1]][2], len(best)


def clock(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:04.1f}"


@dataclass(frozen=True)
class Call:
    operation: str
    model_id: str
    request: dict[str, Any]
    span: tuple[float, float] | None = None
    answer: str = "image"  # "image", "error <code>" or "document" (a rule's 200 response)


class BedrockRuntimeStandIn:
    """Answers `invoke_model` (image models) and `converse` (prompt rewrite) like bedrock-runtime does."""

    def __init__(self, transcripts: Callable[[], list[Words]] = list) -> None:
        # A real client, never used to send anything, lends its error classes so handlers can catch them by name.
        self._shape = boto3.session.Session().client(
            "bedrock-runtime",
            region_name=REGION,
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )
        self.exceptions = self._shape.exceptions
        self.meta = self._shape.meta
        self._transcripts = transcripts
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._rule: Rule | None = None

    def calls(self, operation: str | None = None) -> list[Call]:
        with self._lock:
            return [call for call in self._calls if operation is None or call.operation == operation]

    def answer_with(self, rule: Rule | None) -> None:
        """From now on answer InvokeModel as `rule` says; None goes back to rendering every image."""
        with self._lock:
            self._rule = rule

    def error(self, code: str, message: str, status: int = 400, operation: str = "InvokeModel") -> Exception:
        """The exception bedrock-runtime raises for `code` (ThrottlingException 429, AccessDeniedException 403, ...)."""
        error_class = getattr(self.exceptions, code, self.exceptions.ClientError)
        return error_class(
            {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, operation
        )

    # --- InvokeModel -------------------------------------------------------------------------------------------------

    def invoke_model(
        self,
        *,
        modelId: str,
        body: bytes | str,
        contentType: str = "application/json",
        accept: str = "application/json",
        **_: Any,
    ) -> dict[str, Any]:
        family = model_family(modelId)
        if family is None:
            raise self._error("ValidationException", "The provided model identifier is invalid.", "InvokeModel")
        try:
            request = json.loads(body)
        except (TypeError, ValueError):
            raise self._error(
                "ValidationException",
                "Malformed input request, please reformat your input and try again.",
                "InvokeModel",
            ) from None
        if family == STABILITY:
            prompt, sizes, count, seed, image_format = self._check_stability(request)
        else:
            prompt, sizes, count, seed, image_format = self._check_amazon(request, family)
        with self._lock:
            rule = self._rule
        ruled = rule(modelId, prompt, request) if rule is not None else None
        if isinstance(ruled, Exception):
            code = getattr(ruled, "response", {}).get("Error", {}).get("Code", type(ruled).__name__)
            with self._lock:
                self._calls.append(Call("invoke_model", modelId, request, None, f"error {code}"))
            raise ruled
        if ruled is not None:
            with self._lock:
                self._calls.append(Call("invoke_model", modelId, request, None, "document"))
            return self._payload(ruled)
        span = self._span(prompt)
        images = [
            base64.b64encode(
                render(prompt, modelId, sizes, seed=seed + n, span=span, image_format=image_format)
            ).decode("ascii")
            for n in range(count)
        ]
        with self._lock:
            self._calls.append(Call("invoke_model", modelId, request, span))
        if family == STABILITY:
            document: dict[str, Any] = {"seeds": [seed], "finish_reasons": [None], "images": images}
        else:
            document = {"images": images, "error": None}
        return self._payload(document)

    @staticmethod
    def _payload(document: dict[str, Any]) -> dict[str, Any]:
        payload = json.dumps(document).encode("utf-8")
        return {
            "ResponseMetadata": {"HTTPStatusCode": 200},
            "contentType": "application/json",
            "body": StreamingBody(io.BytesIO(payload), len(payload)),
        }

    def _check_amazon(self, request: dict[str, Any], family: str) -> tuple[str, tuple[int, int], int, int, str]:
        if request.get("taskType") != "TEXT_IMAGE":
            self._malformed("#/taskType: only TEXT_IMAGE is answered by this stand-in")
        params = request.get("textToImageParams") or {}
        text = params.get("text")
        limit = TEXT_LIMITS[family]
        if not isinstance(text, str) or not text:
            self._malformed("#/textToImageParams: required key [text] not found")
        if len(text) > limit:
            self._malformed(f"#/textToImageParams/text: expected maxLength: {limit}, actual: {len(text)}")
        negative = params.get("negativeText")
        if negative is not None and not (isinstance(negative, str) and 1 <= len(negative) <= limit):
            self._malformed(f"#/textToImageParams/negativeText: expected 1 to {limit} characters")
        if family == NOVA and params.get("style") is not None and params["style"] not in NOVA_STYLES:
            self._malformed(f"#/textToImageParams/style: {params['style']} is not a valid enum value")
        config = request.get("imageGenerationConfig") or {}
        width, height = int(config.get("width", 1024)), int(config.get("height", 1024))
        if family == TITAN and (width, height) not in TITAN_SIZES:
            self._validation(f"The image size {width}x{height} is not supported by this model.")
        if family == NOVA and not (
            320 <= width <= 4096
            and 320 <= height <= 4096
            and width % 16 == 0
            and height % 16 == 0
            and 1 / 4 <= width / height <= 4
            and width * height <= 4_194_304
        ):
            self._validation(
                f"Invalid image size {width}x{height}: each side 320-4096 and divisible by 16, aspect ratio "
                "between 1:4 and 4:1, at most 4,194,304 pixels."
            )
        count = int(config.get("numberOfImages", 1))
        if not 1 <= count <= 5:
            self._malformed(f"#/imageGenerationConfig/numberOfImages: {count} is not between 1 and 5")
        cfg_scale = float(config.get("cfgScale", 6.5))
        if not 1.1 <= cfg_scale <= 10:
            self._malformed(f"#/imageGenerationConfig/cfgScale: {cfg_scale} is not between 1.1 and 10")
        seed = int(config.get("seed", 12 if family == NOVA else 0))
        if not 0 <= seed <= 2_147_483_646:
            self._malformed(f"#/imageGenerationConfig/seed: {seed} is not between 0 and 2147483646")
        return text, (width, height), count, seed, "png"

    def _check_stability(self, request: dict[str, Any]) -> tuple[str, tuple[int, int], int, int, str]:
        prompt = request.get("prompt")
        if not isinstance(prompt, str) or not prompt:
            self._malformed("#: required key [prompt] not found")
        if len(prompt) > TEXT_LIMITS[STABILITY]:
            self._malformed(f"#/prompt: expected maxLength: {TEXT_LIMITS[STABILITY]}, actual: {len(prompt)}")
        aspect = request.get("aspect_ratio", "1:1")
        if aspect not in STABILITY_SIZES:
            self._malformed(f"#/aspect_ratio: {aspect} is not a valid enum value")
        image_format = request.get("output_format", "png")
        if image_format not in ("png", "jpeg", "webp"):
            self._malformed(f"#/output_format: {image_format} is not a valid enum value")
        if request.get("mode", "text-to-image") != "text-to-image":
            self._malformed("#/mode: only text-to-image is answered by this stand-in")
        seed = int(request.get("seed", 0))
        if not 0 <= seed <= 4_294_967_294:
            self._malformed(f"#/seed: {seed} is not between 0 and 4294967294")
        return prompt, STABILITY_SIZES[aspect], 1, seed, image_format

    def _span(self, prompt: str) -> tuple[float, float] | None:
        found = [span for words in self._transcripts() if (span := matched_span(prompt, words))]
        if not found:
            return None
        start, end, _ = max(found, key=lambda span: span[2])
        return start, end

    # --- Converse ----------------------------------------------------------------------------------------------------

    def converse(
        self,
        *,
        modelId: str,
        messages: list[dict[str, Any]],
        system: list[dict[str, Any]] | None = None,
        inferenceConfig: dict[str, Any] | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        """A "rewritten" prompt that keeps the scene's own words, so the image still shows where they were said."""
        if not messages or messages[0].get("role") != "user":
            raise self._error("ValidationException", "A conversation must start with a user message.", "Converse")
        text = " ".join(part.get("text", "") for message in messages for part in message.get("content", []))
        words = text.split()
        max_tokens = int((inferenceConfig or {}).get("maxTokens", 300))
        reply = "A richly detailed illustration of this moment: " + " ".join(words[: max(1, min(60, max_tokens))])
        with self._lock:
            self._calls.append(Call("converse", modelId, {"messages": messages, "system": system or []}))
        return {
            "ResponseMetadata": {"HTTPStatusCode": 200},
            "output": {"message": {"role": "assistant", "content": [{"text": reply}]}},
            "stopReason": "end_turn",
            "usage": {
                "inputTokens": len(words),
                "outputTokens": len(reply.split()),
                "totalTokens": len(words) + len(reply.split()),
            },
            "metrics": {"latencyMs": 1},
        }

    # --- errors ----------------------------------------------------------------------------------------------------

    def _error(self, code: str, message: str, operation: str) -> Exception:
        return self.error(code, message, 400, operation)

    def _malformed(self, detail: str) -> None:
        raise self._error(
            "ValidationException",
            f"Malformed input request: {detail}, please reformat your input and try again.",
            "InvokeModel",
        )

    def _validation(self, message: str) -> None:
        raise self._error("ValidationException", message, "InvokeModel")


def _palette(seed_text: str) -> tuple[tuple[int, int, int], tuple[int, int, int], bytes]:
    digest = hashlib.sha256(seed_text.encode("utf-8")).digest()
    hue = digest[0] / 255

    def colour(h: float, lightness: float, saturation: float) -> tuple[int, int, int]:
        r, g, b = colorsys.hls_to_rgb(h % 1.0, lightness, saturation)
        return round(r * 255), round(g * 255), round(b * 255)

    return colour(hue, 0.72, 0.55), colour(hue + 0.12 + digest[1] / 1024, 0.28, 0.6), digest


def render(
    prompt: str,
    model_id: str,
    size: tuple[int, int],
    *,
    seed: int,
    span: tuple[float, float] | None,
    image_format: str = "png",
) -> bytes:
    """A picture that says what it stands for: generated background, the time range and the prompt."""
    width, height = size
    top, bottom, digest = _palette(f"{prompt}\n{seed}")
    mask = Image.linear_gradient("L").resize((width, height))
    picture = Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask).convert("RGBA")
    overlay = Image.new("RGBA", size)
    draw = ImageDraw.Draw(overlay)
    for n in range(8):  # soft shapes placed by the prompt's hash: each scene gets its own picture
        x, y = digest[2 + n] / 255 * width, digest[10 + n] / 255 * height * 0.7
        radius = (0.06 + digest[18 + n] / 255 * 0.2) * width
        shade = _palette(f"{prompt}{n}")[n % 2]
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(*shade, 90))
    panel_top = int(height * 0.52)
    draw.rectangle((0, panel_top, width, height), fill=(0, 0, 0, 150))
    picture = Image.alpha_composite(picture, overlay)
    draw = ImageDraw.Draw(picture)
    small = ImageFont.load_default(size=max(12, width // 48))
    large = ImageFont.load_default(size=max(16, width // 20))
    body = ImageFont.load_default(size=max(12, width // 40))
    margin = width // 24
    y = panel_top + margin // 2
    draw.text((margin, y), f"STAND-IN IMAGE - {model_id} (rendered locally)", font=small, fill=(255, 214, 102))
    y += int(small.size * 1.8)
    when = f"{clock(span[0])} - {clock(span[1])}" if span else "time range: not quoted in the prompt"
    draw.text((margin, y), when, font=large, fill=(255, 255, 255))
    y += int(large.size * 1.4)
    average = body.getlength("abcdefghijklmnopqrstuvwxyz ") / 27
    characters = max(20, int((width - 2 * margin) / average))
    for line in textwrap.wrap(prompt, characters):
        if y + body.size > height - margin // 2:
            draw.text((margin, y), "...", font=body, fill=(230, 230, 230))
            break
        draw.text((margin, y), line, font=body, fill=(230, 230, 230))
        y += int(body.size * 1.3)
    out = io.BytesIO()
    picture.convert("RGB").save(out, format={"jpeg": "JPEG", "webp": "WEBP"}.get(image_format, "PNG"))
    return out.getvalue()
