#!/usr/bin/env python3
"""Estimate what one audio file costs with the module's configuration, item by item, from scripts/prices.json.

    python3 scripts/estimate_cost.py                        a 3- and a 60-minute file at the module's defaults
    python3 scripts/estimate_cost.py --minutes 12 --prompt-model us.amazon.nova-lite-v1:0 --max-images 20
    python3 scripts/estimate_cost.py --from-terraform . --json
    python3 scripts/estimate_cost.py --docs [--check]       rewrite (or only check) the cost section of docs/cost.md

Configuration, first found wins: the flags; with --from-terraform DIR, the image function's environment in
`terraform output -json` run in DIR (the module's output `function_environment`; DIR may also be a file holding that
command's output); the defaults in the root variables.tf. Memory sizes, architecture and the image function's timeout
are not among the outputs, so they come from the flags or variables.tf.

Prices are the on-demand us-east-1 prices in scripts/prices.json, each with its source and the date it was collected;
free tiers are not subtracted. The quantities rest on the assumptions printed with every estimate (speaking rate,
tokens per character, model latency, file sizes); the flags change the ones that matter most. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "functions"))

import tf_docs
from cli_common.errors import ArgumentParser
from cli_common.errors import run as run_main
from cli_common.inputs import number
from client import UPLOAD_LIMIT

from illustrate_scenes import director
from illustrate_scenes.image_models import UnknownModelError, model_for
from illustrate_scenes.plan import PlannedScene
from illustrate_scenes.scenes import scene_count
from illustrate_scenes.settings import MAX_CONCURRENCY, load_settings
from pipeline_core.config import ConfigError
from pipeline_core.models import CATALOGUE, CATALOGUE_FILE, Catalogue, base_model_id
from pipeline_core.units import MB, format_size

ROOT = Path(__file__).resolve().parent.parent
PRICES_FILE = ROOT / "scripts" / "prices.json"
VARIABLES_FILE = ROOT / "variables.tf"
README_FILE = ROOT / "docs" / "cost.md"  # the generated cost section; the README links to it
BEGIN = "<!-- BEGIN_COST -->"
END = "<!-- END_COST -->"
README_MINUTES = (3.0, 60.0)
REGENERATE = "python3 scripts/estimate_cost.py --docs"

TRANSCRIBE_MIN_SECONDS = 15  # billed per second with a 15 s minimum per job (aws-facts.md 6)
TRANSCRIBE_MAX_SECONDS = 14_400  # longest batch job: 4 h (aws-facts.md 1.4)
TRANSCRIBE_SHORTEST_SECONDS = 0.5
ARCHITECTURES = ("arm64", "x86_64")
WIDTH = 118  # of the wrapped text lines (not of the table)
PLURALS = ("images", "calls", "requests", "tokens")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_STAGE_REGION = re.compile(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.com")

# Objects the pipeline writes and reads for one upload with speech (the order the data travels). Transcribe writes
# the transcript, both subtitle files and a `.write_access_check_file.temp` (see illustrate_scenes/handler.py).
TRANSCRIBE_WRITES = ("transcript .json", ".srt", ".vtt", "write-access check file")
FIXED_PUTS = ("upload", "job record", *TRANSCRIBE_WRITES, "re-cut .srt", "re-cut .vtt", "gallery", "manifest")
GETS = (
    "HeadObject of the upload",
    "ranged GET of the upload's header (its length; a second one only for a tail or a long tag)",
    "Transcribe reading the audio",
    "earlier manifest",
    "transcript .json",
    ".srt",
    ".vtt",
    "job record",
)


class EstimateError(ValueError):
    """A configuration, price table or input the estimate cannot use; the message says which and why."""


# ---------------------------------------------------------------------------------------------------------------
# Prices
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Price:
    id: str
    item: str
    unit: str
    per: float
    usd: float
    region: str
    source: str
    collected: str
    third_party: bool
    entry: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def unit_usd(self) -> float:
        return self.usd / self.per

    def describe(self) -> str:
        """'$0.024 per minute', '$0.20 per 1M requests'."""
        if self.per == 1:
            return f"{_usd(self.usd)} per {self.unit}"
        count = "1M" if self.per == 1_000_000 else f"{self.per:,.0f}"
        return f"{_usd(self.usd)} per {count} {self.unit}s"


@dataclass(frozen=True)
class PriceTable:
    path: Path
    region: str
    currency: str
    prices: tuple[Price, ...]

    @property
    def name(self) -> str:
        return _display_path(self.path)

    def get(self, price_id: str) -> Price:
        for price in self.prices:
            if price.id == price_id:
                return price
        raise EstimateError(f"{self.name} has no price {price_id!r}")

    def _for_model(self, kind: str, model_id: str) -> list[Price]:
        ids = {model_id.strip(), base_model_id(model_id.strip())}
        return [p for p in self.prices if p.entry.get("kind") == kind and ids & set(p.entry.get("models", ()))]

    def _models(self, kind: str) -> str:
        models = {m for p in self.prices if p.entry.get("kind") == kind for m in p.entry.get("models", ())}
        return ", ".join(sorted(models))

    def image_price(self, model_id: str) -> Price:
        """The model's price per image, from the model catalogue (the one place image prices live)."""
        found = self._for_model("image", model_id)
        if not found:
            raise EstimateError(
                f"no price per image for {model_id!r} in {_display_path(CATALOGUE_FILE)}"
                + (f" ({note})" if (note := _price_note(model_id)) else "")
                + f"; it has prices for {self._models('image')}"
            )
        return found[0]

    def text_prices(self, model_id: str) -> tuple[Price, Price]:
        """(input token price, output token price) of a Converse model."""
        found = {kind: self._for_model(kind, model_id) for kind in ("text_input", "text_output")}
        if not found["text_input"] or not found["text_output"]:
            raise EstimateError(
                f"no price for text model {model_id!r} in {self.name}; it has prices for {self._models('text_input')}"
            )
        return found["text_input"][0], found["text_output"][0]


def _price_note(model_id: str) -> str | None:
    entry = CATALOGUE.image.get(model_id.strip())
    return (entry.data.get("price") or {}).get("note") if entry else None


def catalogue_image_prices(catalogue: Catalogue = CATALOGUE) -> list[dict[str, Any]]:
    """The Active image models' prices from models.json, as price-table entries (image prices live only there)."""
    entries = []
    for model_id, model in catalogue.image.items():
        price = model.data.get("price") or {}
        if not model.usable or price.get("usd") is None:
            continue  # retired models cannot be bought; Nova 2 Omni bills tokens, with no published per-image figure
        entries.append(
            {
                "id": price.get("id") or "image_" + re.sub(r"[^a-z0-9]+", "_", model_id.lower()).strip("_"),
                "service": "Amazon Bedrock",
                "item": f"{model.name} image",
                "kind": "image",
                "models": [model_id],
                "unit": "image",
                "per": 1,
                "region": "us-east-1",
                **{k: price[k] for k in ("usd", "source", "collected", "third_party")},
            }
        )
    return entries


def load_prices(path: Path = PRICES_FILE) -> PriceTable:
    """The price table, every entry checked for the fields an estimate and the README need."""
    name = _display_path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise EstimateError(f"cannot read the price table {name}: {exc}") from None
    prices = []
    for index, entry in enumerate([*(data.get("prices") or []), *catalogue_image_prices()]):
        where = f"{name}, prices[{index}] ({entry.get('id', 'no id')})"
        missing = [
            key
            for key in ("id", "item", "unit", "per", "usd", "region", "source", "collected", "third_party")
            if key not in entry
        ]
        if missing:
            raise EstimateError(f"{where}: missing {', '.join(missing)}")
        if not isinstance(entry["usd"], int | float) or entry["usd"] < 0 or not entry["per"] or entry["per"] <= 0:
            raise EstimateError(f"{where}: usd must be a number >= 0 and per a number > 0")
        if not str(entry["source"]).startswith("https://"):
            raise EstimateError(f"{where}: source must be an https URL")
        if not _DATE.match(str(entry["collected"])):
            raise EstimateError(f"{where}: collected must be a date (YYYY, YYYY-MM or YYYY-MM-DD)")
        prices.append(
            Price(
                id=entry["id"],
                item=entry["item"],
                unit=entry["unit"],
                per=float(entry["per"]),
                usd=float(entry["usd"]),
                region=entry["region"],
                source=entry["source"],
                collected=str(entry["collected"]),
                third_party=bool(entry["third_party"]),
                entry=entry,
            )
        )
    ids = [p.id for p in prices]
    if len(set(ids)) != len(ids):
        raise EstimateError(f"{name}: price ids must be unique")
    return PriceTable(path, data.get("region", "us-east-1"), data.get("currency", "USD"), tuple(prices))


# ---------------------------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Configuration:
    """The module inputs that drive the cost; the names are those of the root variables.tf."""

    image_model_id: str
    image_aspect_ratio: str
    max_images_per_file: int
    scene_seconds: int
    prompt_director: bool
    prompt_model_id: str | None  # resolved: the director's model, None when the director is off
    image_concurrency: int
    image_style: str
    transcription_memory_size: int
    image_memory_size: int
    lambda_architecture: str
    image_timeout: int
    subtitle_languages: tuple[str, ...] = ()


VARIABLES = tuple(f.name for f in fields(Configuration))
# The image function's environment (output function_environment.illustrate_scenes) holds these; the rest are not
# exported, so they keep their defaults or flags.
FROM_ENVIRONMENT = (
    "image_model_id",
    "image_aspect_ratio",
    "max_images_per_file",
    "scene_seconds",
    "prompt_director",
    "prompt_model_id",
    "image_concurrency",
    "image_style",
    "subtitle_languages",
)


def _literal(name: str, expression: str | None) -> Any:
    if expression is None:
        raise EstimateError(f"variable {name!r} has no default")
    text = expression.strip()
    if text == "null":
        return None
    if text in ("true", "false"):
        return text == "true"
    if text.startswith("["):
        try:
            return tuple(json.loads(text))  # a list of strings is written the same in HCL and JSON
        except json.JSONDecodeError:
            raise EstimateError(f"the default of variable {name!r} is not a literal list: {text}") from None
    string = tf_docs.string_value(text)
    if string is not None:
        return string
    try:
        number = float(text)
    except ValueError:
        raise EstimateError(f"the default of variable {name!r} is not a literal: {text}") from None
    return int(number) if number.is_integer() else number


def module_defaults(path: Path = VARIABLES_FILE) -> dict[str, Any]:
    """The defaults of the cost-driving variables, read from the module's variables.tf."""
    try:
        variables = {v.name: v for v in tf_docs.read_variables(path)}
    except (OSError, tf_docs.HclError) as exc:
        raise EstimateError(f"cannot read {_display_path(path)}: {exc}") from None
    missing = [name for name in VARIABLES if name not in variables]
    if missing:
        raise EstimateError(f"{_display_path(path)} has no variable {', '.join(missing)}")
    return {name: _literal(name, variables[name].default) for name in VARIABLES}


@dataclass(frozen=True)
class TerraformValues:
    values: dict[str, Any]
    region: str | None


def terraform_outputs(target: Path, terraform: str = "terraform") -> dict[str, Any]:
    """`terraform output -json` of the configuration in `target`, or the contents of `target` when it is a file."""
    if target.is_file():
        text = target.read_text(encoding="utf-8")
    else:
        try:
            done = subprocess.run(
                [terraform, f"-chdir={target}", "output", "-json"],
                capture_output=True,
                text=True,
                check=False,
                timeout=300,
            )
        except FileNotFoundError:
            raise EstimateError(f"{terraform!r} not found; pass --terraform-bin or a saved output file") from None
        except subprocess.TimeoutExpired:
            raise EstimateError(f"terraform output in {target} did not answer within 300 s") from None
        if done.returncode != 0:
            raise EstimateError(f"terraform output -json failed in {target}: {done.stderr.strip()}")
        text = done.stdout
    try:
        outputs = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EstimateError(f"the terraform output of {target} is not JSON: {exc}") from None
    if not isinstance(outputs, dict):
        raise EstimateError(f"the terraform output of {target} is not a JSON object")
    return outputs


def values_from_outputs(outputs: Mapping[str, Any]) -> TerraformValues:
    """The cost-driving settings of a deployment, from the image function's environment as the function reads it."""
    environment = ((outputs.get("function_environment") or {}).get("value") or {}).get("illustrate_scenes")
    if not isinstance(environment, dict):
        raise EstimateError(
            "the terraform outputs have no function_environment.illustrate_scenes; a configuration that calls the "
            'module must export it, e.g. output "function_environment" { value = module.<name>.function_environment }'
        )
    try:
        # The function's own parser: the estimate sees the configuration exactly as a deployed function would.
        settings = load_settings({"IMAGE_BUCKET": "unused", **{k: str(v) for k, v in environment.items()}})
    except ConfigError as exc:
        raise EstimateError(f"function_environment.illustrate_scenes: {exc}") from None
    values = {
        "image_model_id": settings.image_model_id,
        "image_aspect_ratio": settings.aspect_ratio,
        "max_images_per_file": settings.max_images,
        "scene_seconds": settings.scene_seconds,
        "prompt_director": settings.prompt_director,
        "prompt_model_id": settings.prompt_model_id,
        "image_concurrency": settings.concurrency,
        "image_style": settings.style,
        "subtitle_languages": settings.subtitles.languages,
    }
    stage_url = (outputs.get("stage_url") or {}).get("value")
    match = _STAGE_REGION.search(stage_url) if isinstance(stage_url, str) else None
    return TerraformValues(values, match.group(1) if match else None)


def resolve(
    flags: Mapping[str, Any], terraform: TerraformValues | None, defaults: Mapping[str, Any]
) -> tuple[Configuration, dict[str, str]]:
    """The configuration and where each value came from: flag, terraform output or variables.tf default."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name in VARIABLES:
        if flags.get(name) is not None:
            values[name], sources[name] = flags[name], "flag"
        elif terraform is not None and name in terraform.values:
            values[name], sources[name] = terraform.values[name], "terraform output"
        else:
            values[name], sources[name] = defaults[name], "variables.tf default"
    if values["prompt_model_id"] == "":  # --prompt-model none: the director off
        values["prompt_director"], sources["prompt_director"] = False, sources["prompt_model_id"]
    # As Terraform does: the director's model is the catalogue default unless set, and none when the director is off.
    values["prompt_model_id"] = (
        (values["prompt_model_id"] or CATALOGUE.default_prompt_model) if values["prompt_director"] else None
    )
    values["subtitle_languages"] = tuple(values["subtitle_languages"] or ())
    return Configuration(**values), sources


# ---------------------------------------------------------------------------------------------------------------
# Estimate
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assumptions:
    """Everything an estimate assumes beyond the configuration and the prices."""

    words_per_minute: float = 150  # a calm talk; tests/fixtures/handwritten_harbour_walk.json has ~130
    chars_per_word: float = 6  # English: ~5 letters and a space
    chars_per_token: float = 4  # a common rule of thumb for English text
    audio_kbps: float = 128  # an MP3 of speech; --audio-mb gives the size itself
    audio_mb: float | None = None  # size of the upload in MB (pipeline_core.units.MB); None: from audio_kbps
    transcription_seconds: float = 1.0  # one HeadObject, one StartTranscriptionJob, one PutObject
    image_overhead_seconds: float = 2.0  # S3 reads, planning, gallery and manifest
    image_seconds: float = 10.0  # one InvokeModel call, incl. storing the PNG
    prompt_seconds: float = 2.0  # one Converse call of the prompt director (per 40 scenes)
    presign_seconds: float = 0.5  # files over the API's body limit: one call that signs a URL
    presign_memory_mb: float = 128  # modules/upload-api: presign_function_memory_size (not a root variable)
    png_bytes_per_pixel: float = 1.5  # PNGs of illustrations barely compress
    transcript_bytes_per_word: float = 400  # Transcribe JSON: items + audio segments (fixture: ~390)
    subtitle_bytes_per_minute: float = 1200  # each of .srt and .vtt (fixture: ~1,070 for 55 s)
    record_bytes: float = 2048  # job record, and the base of the manifest and the gallery page
    record_bytes_per_image: float = 1024  # the manifest and the gallery grow with every scene
    storage_months: float = 1.0


@dataclass(frozen=True)
class Item:
    id: str
    label: str
    quantity: float
    unit: str  # of the quantity: "min", "images", "GB-s"
    price: Price | None  # None: nothing to pay (e.g. no text model)
    detail: str = ""

    @property
    def cost(self) -> float:
        return self.quantity * self.price.unit_usd if self.price else 0.0


@dataclass(frozen=True)
class Estimate:
    minutes: float
    images: int
    items: tuple[Item, ...]
    notes: tuple[str, ...]
    figures: dict[str, Any]

    @property
    def total(self) -> float:
        return sum(item.cost for item in self.items)


def estimate(
    minutes: float, config: Configuration, table: PriceTable, assumptions: Assumptions | None = None
) -> Estimate:
    """The itemised cost of one upload of `minutes` of audio with speech throughout."""
    a = assumptions or Assumptions()
    seconds = minutes * 60
    if not TRANSCRIBE_SHORTEST_SECONDS <= seconds <= TRANSCRIBE_MAX_SECONDS:
        raise EstimateError(
            f"{minutes:g} minutes: Amazon Transcribe takes audio of 0.5 s to 4 h ({TRANSCRIBE_MAX_SECONDS // 60} min)"
        )
    if config.lambda_architecture not in ARCHITECTURES:
        raise EstimateError(f"lambda_architecture must be one of {', '.join(ARCHITECTURES)}")
    notes: list[str] = []
    items: list[Item] = []

    # 1. Transcribe: per second, at least 15 s.
    billed_seconds = max(TRANSCRIBE_MIN_SECONDS, math.ceil(seconds))
    items.append(
        Item("transcribe", "Amazon Transcribe, batch", billed_seconds / 60, "min", table.get("transcribe_batch"))
    )

    # 2. Images: the image function's own scene count; every scene gets one image.
    try:
        model = model_for(config.image_model_id)
    except UnknownModelError as exc:
        raise EstimateError(f"image_model_id: {exc}") from None
    problem = model.aspect_problem(config.image_aspect_ratio)
    if problem:
        raise EstimateError(f"image_aspect_ratio: {problem}")
    image_price = table.image_price(config.image_model_id)
    words = seconds / 60 * a.words_per_minute
    images = scene_count(int(seconds * 1000), config.scene_seconds, config.max_images_per_file, max(1, int(words)))
    size = model.size_label(config.image_aspect_ratio)
    items.append(Item("images", f"Images, {config.image_model_id}", images, "images", image_price, size))

    # 3. Prompt director: one Converse call per chunk of scenes, the requests built by the function's own code.
    director_calls = 0
    if config.prompt_model_id:
        input_price, output_price = table.text_prices(config.prompt_model_id)
        scene_words = max(1, round(words / images))
        scene_text = ("x" * (round(a.chars_per_word) - 1) + " ") * scene_words
        fake = [PlannedScene(i, 0, 1, scene_text, "", "", 0) for i in range(1, images + 1)]
        requests = [
            director.director_request(config.prompt_model_id, chunk, "en-US", None) for chunk in director.chunks(fake)
        ]
        director_calls = len(requests)
        input_tokens = sum(
            math.ceil(
                (
                    sum(len(part["text"]) for part in request["system"])
                    + sum(len(block["text"]) for message in request["messages"] for block in message["content"])
                )
                / a.chars_per_token
            )
            for request in requests
        )
        # An upper bound: the reply may be shorter.
        output_tokens = sum(request["inferenceConfig"]["maxTokens"] for request in requests)
        model_name = config.prompt_model_id
        calls = f"{director_calls} call{'s' if director_calls != 1 else ''}"
        items.append(
            Item("text_input", f"Prompt director input, {model_name}", input_tokens, "tokens", input_price, calls)
        )
        items.append(
            Item("text_output", f"Prompt director output, {model_name}", output_tokens, "tokens", output_price, calls)
        )
    else:
        items.append(Item("text", "Prompt director: off (prompt_director = false)", 0, "calls", None))

    # 3b. Translated subtitles: every character of the transcript once per language of subtitle_languages.
    languages = len(config.subtitle_languages)
    if languages:
        characters = round(words * a.chars_per_word)
        items.append(
            Item(
                "translate",
                "Amazon Translate, subtitles",
                languages * characters,
                "characters",
                table.get("translate_text"),
                f"{languages} language{'s' if languages > 1 else ''} x ~{characters:,}",
            )
        )

    # A file over the API's body limit takes the presigned path: a POST to the upload API (one short invocation of
    # the presign function), then a PUT straight to S3 with the signed URL.
    audio_bytes = a.audio_mb * MB if a.audio_mb is not None else a.audio_kbps * 1000 / 8 * seconds
    presigned = audio_bytes > UPLOAD_LIMIT

    # 4. Lambda: one invocation of each function; the image function waits for its rounds of parallel calls.
    workers = max(1, min(config.image_concurrency, images))
    rounds = math.ceil(images / workers)
    image_duration = a.image_overhead_seconds + director_calls * a.prompt_seconds + rounds * a.image_seconds
    gb_seconds = (
        config.transcription_memory_size / 1024 * a.transcription_seconds
        + config.image_memory_size / 1024 * image_duration
        + (a.presign_memory_mb / 1024 * a.presign_seconds if presigned else 0)
    )
    if image_duration > config.image_timeout:
        notes.append(
            f"the image function would need ~{image_duration:.0f} s, more than image_timeout ({config.image_timeout} "
            "s): raise image_timeout or image_concurrency, or lower max_images_per_file"
        )
    invocations = 3 if presigned else 2
    items.append(Item("lambda_requests", "AWS Lambda requests", invocations, "requests", table.get("lambda_requests")))
    items.append(
        Item(
            "lambda_duration",
            f"AWS Lambda duration, {config.lambda_architecture}",
            gb_seconds,
            "GB-s",
            table.get(f"lambda_duration_{config.lambda_architecture}"),
            f"{config.transcription_memory_size} MB x {a.transcription_seconds:g} s + "
            f"{config.image_memory_size} MB x {image_duration:g} s",
        )
    )

    # 5. API Gateway: one request per upload: the PUT itself, or the POST that asks for a presigned URL.
    api_requests = 1
    if presigned:
        notes.append(
            f"{format_size(audio_bytes)} of audio is over the upload API's {format_size(UPLOAD_LIMIT)} limit: the "
            "client asks the API for a presigned URL (POST, one short presign-function invocation) and PUTs the file "
            "to S3 directly"
        )
    api_price = table.get("api_gateway_rest_requests")
    items.append(Item("api_requests", "Amazon API Gateway, REST", api_requests, "requests", api_price))

    # 6. S3: requests counted from the pipeline; storage of everything it keeps, for the given months.
    puts = len(FIXED_PUTS) + images + 2 * languages
    items.append(
        Item(
            "s3_put",
            "Amazon S3 PUT requests",
            puts,
            "requests",
            table.get("s3_put_requests"),
            f"{len(FIXED_PUTS)} + {images} images" + (f" + {2 * languages} translated subtitles" if languages else ""),
        )
    )
    items.append(Item("s3_get", "Amazon S3 GET/HEAD requests", len(GETS), "requests", table.get("s3_get_requests")))
    stored = {
        "audio": audio_bytes,
        "transcript": words * a.transcript_bytes_per_word,
        "subtitles": 2 * (2 + languages) * minutes * a.subtitle_bytes_per_minute,  # Transcribe's, re-cut, translated
        "images": images * math.prod(model.aspect_ratios[config.image_aspect_ratio]) * a.png_bytes_per_pixel,
        "records": 3 * a.record_bytes + 2 * images * a.record_bytes_per_image,
    }
    stored_bytes = sum(stored.values())
    items.append(
        Item(
            "s3_storage",
            "Amazon S3 storage",
            stored_bytes / 2**30 * a.storage_months,
            "GB-month",
            table.get("s3_storage"),
            f"{format_size(stored_bytes)} for {a.storage_months:g} month{'s' if a.storage_months != 1 else ''}",
        )
    )
    figures = {
        "billed_transcribe_seconds": billed_seconds,
        "scenes": images,
        "words": round(words),
        "image_function_seconds": image_duration,
        "audio_bytes": round(audio_bytes),
        "stored_bytes": {k: round(v) for k, v in stored.items()},
        "s3_puts": [*FIXED_PUTS[:-2], *[f"scene image {i}" for i in range(1, images + 1)], *FIXED_PUTS[-2:]],
        "s3_gets": list(GETS),
    }
    return Estimate(minutes, images, tuple(items), tuple(notes), figures)


# ---------------------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------------------


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _usd(value: float, *, cents: bool = True) -> str:
    """A price without exponent and with at least cents: 0.0000133334 -> $0.0000133334, 3.5 -> $3.50."""
    text = format(Decimal(repr(value)).normalize(), "f")
    whole, _, decimals = text.partition(".")
    if cents:
        decimals = decimals.ljust(2, "0")
    return f"${whole}.{decimals}" if decimals else f"${whole}"


def _cost(value: float) -> str:
    """Cents to four places; fractions of a cent to two significant digits, so no item shows as zero."""
    if value == 0:
        return "$0"
    if value >= 0.01:
        return f"${value:,.4f}"
    return _usd(float(f"{value:.2g}"), cents=False)


def _quantity(value: float, unit: str) -> str:
    if value == int(value):
        number = f"{int(value):,}"
        if int(value) == 1 and unit in PLURALS:
            unit = unit[:-1]
    elif value >= 100:
        number = f"{value:,.1f}"
    else:
        number = f"{value:.3g}"
    return f"{number} {unit}"


def _minutes(minutes: float) -> str:
    return f"{minutes:g}-minute"


def describe_configuration(config: Configuration, sources: Mapping[str, str]) -> list[str]:
    by_source: dict[str, list[str]] = {}
    for name in VARIABLES:
        value = getattr(config, name)
        shown = (
            "null"
            if value is None
            else json.dumps(value)
            if isinstance(value, str)
            else json.dumps(list(value))
            if isinstance(value, tuple)
            else str(value)
        )
        by_source.setdefault(sources[name], []).append(f"{name} = {shown}")
    return [f"{source}: {', '.join(values)}" for source, values in by_source.items()]


def describe_assumptions(config: Configuration, a: Assumptions) -> list[str]:
    audio = f"{a.audio_mb:g} MB" if a.audio_mb is not None else f"{a.audio_kbps:g} kbit/s"
    lines = [
        f"speech throughout the file at {a.words_per_minute:g} words a minute; scenes and images as the image "
        "function counts them (illustrate_scenes.scenes.scene_count: duration / scene_seconds, rounded, capped by "
        "max_images_per_file); no retries, no content-filtered images",
        f"Lambda: the transcription function runs ~{a.transcription_seconds:g} s; the image function "
        f"~{a.image_overhead_seconds:g} s plus {a.image_seconds:g} s per image"
        + (f" and {a.prompt_seconds:g} s per prompt-director call" if config.prompt_model_id else "")
        + f", {config.image_concurrency} at a time (image_concurrency)",
        f"S3: {len(FIXED_PUTS)} PUTs ({', '.join(FIXED_PUTS)}) plus one per image; {len(GETS)} GET/HEAD requests "
        f"({', '.join(GETS)}); storage of the audio ({audio}), transcript, subtitles, images "
        f"(~{a.png_bytes_per_pixel:g} bytes per pixel), records, manifest and gallery for "
        f"{a.storage_months:g} month{'' if a.storage_months == 1 else 's'}",
    ]
    if config.prompt_model_id:
        lines.append(
            f"prompt director: one Converse call per {director.CHUNK_SCENES} scenes; input ~{a.chars_per_token:g} "
            "characters per token of the system prompt and the scene text (each scene capped at "
            f"{director.SCENE_TEXT_LIMIT:,} characters); output counted at the request's maxTokens; a softened retry "
            "for a content-filtered image is not counted"
        )
    lines.append("free tiers are not subtracted; prices are on-demand us-east-1 prices")
    return lines


def render_text(
    estimates: Sequence[Estimate],
    *,
    config: Configuration,
    sources: Mapping[str, str],
    table: PriceTable,
    assumptions: Assumptions,
    notes: Sequence[str] = (),
) -> str:
    headers = ("Item", "Quantity", "Unit price", "Cost")
    lines = [f"Cost of one upload, USD, prices from {table.name} ({table.region}, on demand)", "", "Configuration:"]
    for line in describe_configuration(config, sources):
        lines += textwrap.wrap(line, WIDTH, initial_indent="  ", subsequent_indent="    ")
    for est in estimates:
        rows = [
            (
                item.label + (f" ({item.detail})" if item.detail else ""),
                _quantity(item.quantity, item.unit),
                item.price.describe() if item.price else "",
                _cost(item.cost),
            )
            for item in est.items
        ]
        rows.append(("Total", "", "", _cost(est.total)))
        widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(4)]
        lines += ["", f"One {_minutes(est.minutes)} file: about ${est.total:.2f}", ""]
        for row in [headers, *rows]:
            lines.append(
                "  ".join(
                    cell.rjust(widths[i]) if i == 3 else cell.ljust(widths[i]) for i, cell in enumerate(row)
                ).rstrip()
            )
        for note in est.notes:
            lines += textwrap.wrap(note, WIDTH, initial_indent="Note: ", subsequent_indent="  ")
    lines += ["", "Assumptions:"]
    for line in describe_assumptions(config, assumptions):
        lines += textwrap.wrap(line, WIDTH, initial_indent="  - ", subsequent_indent="    ")
    for note in notes:
        lines += textwrap.wrap(note, WIDTH, initial_indent="Note: ", subsequent_indent="  ")
    return "\n".join(lines)


def as_document(
    estimates: Sequence[Estimate],
    *,
    config: Configuration,
    sources: Mapping[str, str],
    table: PriceTable,
    assumptions: Assumptions,
    notes: Sequence[str] = (),
) -> dict[str, Any]:
    return {
        "currency": table.currency,
        "prices_file": table.name,
        "prices_region": table.region,
        "free_tiers_subtracted": False,
        "configuration": asdict(config),
        "configuration_sources": dict(sources),
        "assumptions": asdict(assumptions),
        "notes": list(notes),
        "estimates": [
            {
                "minutes": est.minutes,
                "images": est.images,
                "items": [
                    {
                        "id": item.id,
                        "label": item.label,
                        "detail": item.detail,
                        "quantity": item.quantity,
                        "unit": item.unit,
                        "price_id": item.price.id if item.price else None,
                        "unit_price_usd": item.price.unit_usd if item.price else 0.0,
                        "price": item.price.describe() if item.price else None,
                        "cost_usd": item.cost,
                    }
                    for item in est.items
                ],
                "total_usd": est.total,
                "notes": list(est.notes),
                "figures": est.figures,
            }
            for est in estimates
        ],
    }


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def render_readme_section(table: PriceTable, defaults: Mapping[str, Any]) -> str:
    """The README's cost section: the estimate at the module's defaults and the price table it uses."""
    config, _ = resolve({}, None, defaults)
    assumptions = Assumptions()
    estimates = [estimate(minutes, config, table, assumptions) for minutes in README_MINUTES]
    main_items = ("transcribe", "images")
    share = min(sum(i.cost for i in e.items if i.id in main_items) / e.total for e in estimates)
    text_model = f"prompt director {config.prompt_model_id}" if config.prompt_model_id else "no prompt director"
    lines = [
        f"<!-- Generated from {table.name} and variables.tf; run `{REGENERATE}` after changing either. -->",
        "",
        f"What one uploaded file costs with the module's defaults ({config.image_model_id} at aspect ratio "
        f"{config.image_aspect_ratio}, one image per {config.scene_seconds} s of speech and at most "
        f"{config.max_images_per_file} per file, {text_model}, {config.lambda_architecture} functions). "
        f"Amazon Transcribe and the images are {math.floor(share * 100)}% or more of it; Lambda, API Gateway and S3 "
        "add fractions of a cent. "
        "Free tiers (e.g. 60 Transcribe minutes a month in the first year) are not subtracted. "
        f"Translated subtitles (`subtitle_languages`) add Amazon Translate at {table.get('translate_text').describe()} "
        "for every language: each character of the transcript is translated once. "
        "For your own settings, or a deployment's: `python3 scripts/estimate_cost.py --minutes 12 "
        "[--from-terraform DIR] [--prompt-model us.amazon.nova-lite-v1:0] [--json]`.",
    ]
    for est in estimates:
        lines += [
            "",
            f"**One {_minutes(est.minutes)} file: about ${est.total:.2f}**",
            "",
            "| Item | Quantity | Unit price | Cost |",
            "|------|---------:|------------|-----:|",
        ]
        for item in est.items:
            label = item.label + (f" ({item.detail})" if item.detail else "")
            price = item.price.describe() if item.price else ""
            lines.append(
                f"| {_md(label)} | {_quantity(item.quantity, item.unit)} | {_md(price)} | {_cost(item.cost)} |"
            )
        lines.append(f"| **Total** | | | **{_cost(est.total)}** |")
        lines += [f"\n{note[0].upper()}{note[1:]}." for note in est.notes]
    lines += ["", "Assumptions:", ""]
    lines += [f"- {line[0].upper()}{line[1:]}." for line in describe_assumptions(config, assumptions)]
    lines += [
        "",
        f"The prices ({table.currency}, {table.region}, on demand), from `{table.name}`; **[3P]**: seen only in "
        "third-party material quoting the AWS page. Check the live pricing pages before relying on them.",
        "",
        "| Price | Amount | Source | Collected |",
        "|-------|-------:|--------|-----------|",
    ]
    for price in table.prices:
        marker = " **[3P]**" if price.third_party else ""
        billing = f"; billed {price.entry['billing']}" if price.entry.get("billing") else ""
        lines.append(
            f"| {_md(price.item)}{_md(billing)} | {_md(price.describe())} | <{price.source}>{marker} "
            f"| {price.collected} |"
        )
    return "\n".join(lines)


def render_readme(readme: str, section: str) -> str:
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise EstimateError(f"docs/cost.md needs {BEGIN} followed by {END}")
    return readme[: start + len(BEGIN)] + "\n" + section + "\n" + readme[end:]


# ---------------------------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------------------------


def _prompt_model(value: str) -> str:
    """A model id, or '' for 'no text model' (none, off, null)."""
    return "" if value.strip().lower() in ("", "none", "off", "null") else value.strip()


def _positive(kind: type[int] | type[float]) -> Any:
    return number(kind, positive=True)


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = ArgumentParser(
        prog="estimate_cost.py",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="exit codes: 0 done, 1 --docs --check found the page stale, 2 a usage mistake or unreadable input",
    )
    parser.add_argument(
        "--minutes", type=_positive(float), action="append", help="audio length; repeat for several (default: 3, 60)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--docs", "--readme", dest="readme", action="store_true", help="rewrite docs/cost.md's section")
    parser.add_argument("--check", action="store_true", help="with --docs: change nothing, exit 1 if stale")
    parser.add_argument("--prices", type=Path, default=PRICES_FILE, help="price table (default: scripts/prices.json)")
    parser.add_argument("--from-terraform", type=Path, metavar="DIR", help="read the deployed configuration")
    parser.add_argument("--terraform-bin", default="terraform", help="terraform executable (default: terraform)")
    config = parser.add_argument_group("configuration (default: --from-terraform, else the module's defaults)")
    config.add_argument("--image-model", dest="image_model_id", help="image_model_id")
    config.add_argument("--aspect-ratio", dest="image_aspect_ratio", help="image_aspect_ratio, e.g. 16:9")
    config.add_argument("--max-images", dest="max_images_per_file", type=_positive(int), help="max_images_per_file")
    config.add_argument("--scene-seconds", dest="scene_seconds", type=_positive(int), help="scene_seconds")
    config.add_argument(
        "--prompt-model",
        dest="prompt_model_id",
        type=_prompt_model,
        help="the director's model, or none (director off)",
    )
    config.add_argument("--concurrency", dest="image_concurrency", type=_positive(int), help="image_concurrency")
    config.add_argument("--transcription-memory", dest="transcription_memory_size", type=_positive(int), help="MB")
    config.add_argument("--image-memory", dest="image_memory_size", type=_positive(int), help="MB")
    config.add_argument("--architecture", dest="lambda_architecture", choices=ARCHITECTURES)
    config.add_argument(
        "--subtitle-languages",
        dest="subtitle_languages",
        type=lambda text: tuple(code.strip() for code in text.split(",") if code.strip()),
        help="subtitle_languages, comma-separated (e.g. en,ja)",
    )
    assume = parser.add_argument_group("assumptions")
    assume.add_argument("--audio-mb", type=_positive(float), help="size of the upload in MB (default: from bitrate)")
    assume.add_argument("--audio-kbps", type=_positive(float), help=f"bitrate (default {Assumptions.audio_kbps:g})")
    assume.add_argument("--image-seconds", type=_positive(float), help="model latency per image")
    assume.add_argument("--prompt-seconds", type=_positive(float), help="text model latency per call")
    assume.add_argument("--months", dest="storage_months", type=_positive(float), help="months of S3 storage")
    args = parser.parse_args(argv)
    if args.check and not args.readme:
        parser.error("--check goes with --docs")
    if args.image_concurrency is not None and args.image_concurrency > MAX_CONCURRENCY:
        parser.error(f"--concurrency must be at most {MAX_CONCURRENCY}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    try:
        table = load_prices(args.prices)
        defaults = module_defaults()
        if args.readme:
            return _update_readme(table, defaults, check=args.check)
        notes = []
        terraform = None
        if args.from_terraform is not None:
            if not args.from_terraform.exists():
                raise EstimateError(f"--from-terraform {args.from_terraform}: no such directory or file")
            terraform = values_from_outputs(terraform_outputs(args.from_terraform, args.terraform_bin))
            kept = [n for n in VARIABLES if n not in FROM_ENVIRONMENT and getattr(args, n, None) is None]
            if kept:
                notes.append(
                    f"{', '.join(kept)}: not among the terraform outputs, so the variables.tf defaults are used "
                    "(the flags override them)"
                )
            if terraform.region and terraform.region != table.region:
                notes.append(
                    f"the deployment is in {terraform.region}; the prices are {table.region} prices, "
                    "which other Regions may not match"
                )
        flags = {name: getattr(args, name, None) for name in VARIABLES}
        config, sources = resolve(flags, terraform, defaults)
        overrides = {
            name: getattr(args, name)
            for name in ("audio_mb", "audio_kbps", "image_seconds", "prompt_seconds", "storage_months")
            if getattr(args, name) is not None
        }
        assumptions = replace(Assumptions(), **overrides)
        estimates = [estimate(m, config, table, assumptions) for m in (args.minutes or README_MINUTES)]
    except EstimateError as exc:
        print(f"estimate_cost.py: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        document = as_document(
            estimates, config=config, sources=sources, table=table, assumptions=assumptions, notes=notes
        )
        print(json.dumps(document, indent=2))
    else:
        print(render_text(estimates, config=config, sources=sources, table=table, assumptions=assumptions, notes=notes))
    return 0


def _update_readme(table: PriceTable, defaults: Mapping[str, Any], *, check: bool) -> int:
    current = README_FILE.read_text(encoding="utf-8")
    wanted = render_readme(current, render_readme_section(table, defaults))
    if wanted == current:
        return 0
    if check:
        print(f"docs/cost.md: the cost section is stale (run: {REGENERATE})", file=sys.stderr)
        return 1
    README_FILE.write_text(wanted, encoding="utf-8")
    print("docs/cost.md: cost section updated")
    return 0


if __name__ == "__main__":
    run_main(main, "estimate_cost.py")
