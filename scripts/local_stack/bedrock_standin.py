"""Stand-in for the Amazon Bedrock runtime, which moto does not emulate (its InvokeModel returns `{}`).

It takes the requests the image function really builds, checks them against the limits of the model family (a request
the real model would refuse fails here too, with the same error code), and answers in that family's response shape
(Stability: `images`, `seeds`, `finish_reasons`; Nova 2 Omni: a Converse image block) with a PNG rendered locally: a
background generated from the prompt, the prompt itself and the part of the audio the prompt's words come from. A
retired model gets Bedrock's end-of-life error. Converse to a text model plays the prompt director with a
deterministic reply labelled `[stand-in]`, built from the scene text; it cannot translate, so a scene in another
language gets an English placeholder that says so. Installed with `pipeline_core.aws.override("bedrock-runtime", ...)`.

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
from pipeline_core.models import CATALOGUE

Words = Sequence[tuple[str, float, float]]  # (word, start, end) of a transcript
# (model id, prompt, request) -> None to answer normally, an exception to raise (see `error`), or the JSON document of
# a 200 response to send instead of the rendered image. Checked after the request passed the model's own checks.
Rule = Callable[[str, str, dict[str, Any]], "dict[str, Any] | Exception | None"]

STABILITY, OMNI = "stability", "nova-omni"
_GEO_PREFIX = re.compile(r"^(us|eu|apac|us-gov|global|jp|au|ca)\.")
# Active image models from the catalogue, by family; retired ones are answered as Bedrock answers them today.
_FAMILIES = {
    mid: entry.data["family"] for mid, entry in CATALOGUE.image.items() if entry.usable and entry.data["family"]
}
RETIRED = {mid for mid, entry in CATALOGUE.image.items() if not entry.usable}
END_OF_LIFE_MESSAGE = (
    "This model version has reached the end of its life. Please refer to the AWS documentation for more details."
)
TEXT_LIMITS = {STABILITY: 10000}
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


def _bare(model_id: str) -> str:
    return model_id.rpartition("/")[2] if model_id.startswith("arn:") else model_id


def model_family(model_id: str) -> str | None:
    """The family of an Active image model ID (or inference profile ID, or ARN of either); None for anything else."""
    name = _bare(model_id)
    return _FAMILIES.get(name) or _FAMILIES.get(_GEO_PREFIX.sub("", name)) or _FAMILIES.get(f"us.{name}")


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
        # In the default model's home Region (us-west-2), where the function calls Bedrock, whatever the stack's own.
        self._shape = boto3.session.Session().client(
            "bedrock-runtime",
            region_name=CATALOGUE.image[CATALOGUE.default_image_model].home_region or REGION,
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
        if _bare(modelId) in RETIRED:
            raise self.error("ResourceNotFoundException", END_OF_LIFE_MESSAGE, 404)
        if family != STABILITY:
            raise self._error("ValidationException", "The provided model identifier is invalid.", "InvokeModel")
        try:
            request = json.loads(body)
        except (TypeError, ValueError):
            raise self._error(
                "ValidationException",
                "Malformed input request, please reformat your input and try again.",
                "InvokeModel",
            ) from None
        prompt, sizes, count, seed, image_format = self._check_stability(request)
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
        return self._payload({"seeds": [seed], "finish_reasons": [None], "images": images})

    @staticmethod
    def _payload(document: dict[str, Any]) -> dict[str, Any]:
        payload = json.dumps(document).encode("utf-8")
        return {
            "ResponseMetadata": {"HTTPStatusCode": 200},
            "contentType": "application/json",
            "body": StreamingBody(io.BytesIO(payload), len(payload)),
        }

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
        """Nova 2 Omni draws an image block; a text model plays the prompt director (or its softened retry)."""
        if not messages or messages[0].get("role") != "user":
            raise self._error("ValidationException", "A conversation must start with a user message.", "Converse")
        text = " ".join(part.get("text", "") for message in messages for part in message.get("content", []))
        system_text = " ".join(part.get("text", "") for part in system or [])
        request = {"messages": messages, "system": system or []}
        if model_family(modelId) == OMNI:
            return self._omni(modelId, text, request)
        if "art director" in system_text:
            reply = director_reply(text)
        elif "content filter blocked" in system_text:
            reply = softened_reply(text)
        else:
            words = text.split()
            max_tokens = int((inferenceConfig or {}).get("maxTokens", 300))
            reply = "A richly detailed illustration of this moment: " + " ".join(words[: max(1, min(60, max_tokens))])
        with self._lock:
            self._calls.append(Call("converse", modelId, request))
        return _converse_response([{"text": reply}], len(text.split()), len(reply.split()))

    def _omni(self, model_id: str, prompt: str, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            rule = self._rule
        ruled = rule(model_id, prompt, request) if rule is not None else None
        if isinstance(ruled, Exception):
            with self._lock:
                self._calls.append(Call("converse", model_id, request, None, "error"))
            raise ruled
        if ruled is not None:
            with self._lock:
                self._calls.append(Call("converse", model_id, request, None, "document"))
            return ruled
        ratio = "1:1" if "Make it 1:1" in prompt else "16:9"
        size = (1024, 1024) if ratio == "1:1" else (1352, 760)  # half the documented 2048 / 2704x1520, to stay light
        span = self._span(prompt)
        image = render(prompt, model_id, size, seed=0, span=span)
        with self._lock:
            self._calls.append(Call("converse", model_id, request, span))
        return _converse_response([{"image": {"format": "png", "source": {"bytes": image}}}], len(prompt.split()), 1)

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


def _converse_response(content: list[dict[str, Any]], input_tokens: int, output_tokens: int) -> dict[str, Any]:
    return {
        "ResponseMetadata": {"HTTPStatusCode": 200},
        "output": {"message": {"role": "assistant", "content": content}},
        "stopReason": "end_turn",
        "usage": {
            "inputTokens": input_tokens,
            "outputTokens": output_tokens,
            "totalTokens": input_tokens + output_tokens,
        },
        "metrics": {"latencyMs": 1},
    }


STAND_IN_LOOK = {
    "style": "[stand-in] flat watercolour illustration, soft edges",
    "palette": "warm ochre, teal and cream",
    "setting": "[stand-in] the places the talk mentions, drawn simply",
    "subjects": [{"name": "speaker", "description": "[stand-in] a person in a plain blue jacket"}],
}


def _english_words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z][A-Za-z'-]*", text)


def director_reply(user_text: str) -> str:
    """A deterministic director answer built from the scenes' own text; it cannot translate, and says so.

    English scene text is kept word for word (so the rendered image can show where it was said); a scene in another
    script gets an English placeholder prompt that names the scene and the language.
    """
    try:
        payload = json.loads(user_text)
        scenes = [s for s in payload.get("scenes", []) if isinstance(s, dict) and isinstance(s.get("index"), int)]
        language = str(payload.get("language") or "unknown")
    except (ValueError, AttributeError):
        return "[stand-in] not JSON: the director stand-in expects the scenes as JSON"
    prompts = []
    for scene in scenes:
        text = str(scene.get("text", ""))
        words = _english_words(text)
        if len(words) * 2 >= len(text.split()) and words:
            prompt = "[stand-in] " + " ".join(words[:60])
        else:
            prompt = (
                f"[stand-in, cannot translate {language}] an illustrated moment of the talk, scene {scene['index']}"
            )
        prompts.append({"index": scene["index"], "prompt": prompt})
    return json.dumps({"look": STAND_IN_LOOK, "scenes": prompts})


def softened_reply(user_text: str) -> str:
    try:
        blocked = str(json.loads(user_text).get("blocked_prompt", ""))
    except (ValueError, AttributeError):
        blocked = ""
    return "[stand-in] softened: a calm, gentle version of " + " ".join(_english_words(blocked)[:40])


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
