"""The Bedrock model catalogue (models.json), read by the functions, the scripts and Terraform alike.

`refusal` words the message for a model that cannot be used; Terraform's variable validation in variables.tf builds
the same sentence from the same file, so `terraform plan`, the function and scripts/preview_scenes.py say the same.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CATALOGUE_FILE = Path(__file__).with_name("models.json")
USABLE_STATES = ("active", "preview")
_GEO_PREFIX = re.compile(r"^(?:us|us-gov|eu|apac|jp|au|ca|global)\.")


def base_model_id(model_id: str) -> str:
    """The foundation-model ID behind a cross-Region inference profile ID ("us.amazon.nova-lite-v1:0")."""
    return _GEO_PREFIX.sub("", model_id)


@dataclass(frozen=True)
class ModelEntry:
    model_id: str
    kind: str  # "image" | "text"
    data: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def state(self) -> str:
        return str(self.data["lifecycle"]["state"])

    @property
    def usable(self) -> bool:
        return self.state in USABLE_STATES

    @property
    def end_of_life(self) -> str | None:
        return self.data["lifecycle"].get("end_of_life")

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(self.data.get("regions") or ())

    @property
    def home_region(self) -> str | None:
        return self.data.get("home_region")

    @property
    def inference_profile(self) -> str | None:
        return self.data.get("inference_profile")

    @property
    def price_usd(self) -> float | None:
        price = (self.data.get("price") or {}).get("usd")
        return None if price is None else float(price)


@dataclass(frozen=True)
class Catalogue:
    default_image_model: str
    default_prompt_model: str
    image: dict[str, ModelEntry]
    text: dict[str, ModelEntry]
    raw: dict[str, Any]

    def usable_ids(self, kind: str) -> list[str]:
        # Sorted: Terraform's jsondecode orders map keys this way, and both must list them identically.
        table = self.image if kind == "image" else self.text
        return [
            f"{mid} (preview)" if entry.state == "preview" else mid
            for mid, entry in sorted(table.items())
            if entry.usable
        ]

    def refusal(self, model_id: str, kind: str) -> str | None:
        """Why `model_id` cannot be used as a `kind` model, or None when it can."""
        table = self.image if kind == "image" else self.text
        entry = table.get(model_id)
        if entry is not None and entry.usable:
            return None
        alternatives = f"Active {kind} models: {', '.join(self.usable_ids(kind))}."
        if entry is None:
            return f'model "{model_id}" is not in the {kind}-model catalogue (models.json). {alternatives}'
        eol = entry.end_of_life or "a date AWS did not publish"
        return (
            f'model "{model_id}" ({entry.name}) is {entry.state}: it reached end of life on {eol} and Bedrock refuses '
            f"every request. {alternatives}"
        )


def load_catalogue(path: Path = CATALOGUE_FILE) -> Catalogue:
    data = json.loads(path.read_text(encoding="utf-8"))
    return Catalogue(
        default_image_model=data["default_image_model"],
        default_prompt_model=data["default_prompt_model"],
        image={mid: ModelEntry(mid, "image", entry) for mid, entry in data["image_models"].items()},
        text={mid: ModelEntry(mid, "text", entry) for mid, entry in data["text_models"].items()},
        raw=data,
    )


CATALOGUE = load_catalogue()
