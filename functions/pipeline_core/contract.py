"""The layout contract shared with Terraform and the local demo (contract.json is the single source of truth)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

CONTRACT_FILE = Path(__file__).with_name("contract.json")


@dataclass(frozen=True)
class Contract:
    media_formats: tuple[str, ...]
    transcript_prefix: str
    transcript_suffix: str
    job_record_prefix: str
    rejection_prefix: str
    subtitle_formats: tuple[str, ...]
    subtitle_start_index: int
    manifest_name: str
    gallery_name: str
    scene_image_pattern: str

    def audio_suffixes(self) -> list[str]:
        """S3 notification suffix filters: each media format in lower and upper case (filters are case-sensitive)."""
        return [f".{fmt}" for fmt in self.media_formats] + [f".{fmt.upper()}" for fmt in self.media_formats]


def load_contract(path: Path = CONTRACT_FILE) -> Contract:
    data = json.loads(path.read_text(encoding="utf-8"))
    return Contract(
        media_formats=tuple(data["media_formats"]),
        transcript_prefix=data["transcript_prefix"],
        transcript_suffix=data["transcript_suffix"],
        job_record_prefix=data["job_record_prefix"],
        rejection_prefix=data["rejection_prefix"],
        subtitle_formats=tuple(data["subtitle_formats"]),
        subtitle_start_index=int(data["subtitle_start_index"]),
        manifest_name=data["manifest_name"],
        gallery_name=data["gallery_name"],
        scene_image_pattern=data["scene_image_pattern"],
    )


CONTRACT = load_contract()
