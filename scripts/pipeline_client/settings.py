"""Where the deployment is: flags, environment variables, then `terraform output -json`."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline_client.errors import UsageError

_EXECUTE_API_HOST = re.compile(r"^https://[^./]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/")
_SETTINGS = {  # name -> (environment variable, terraform output)
    "url": ("PIPELINE_STAGE_URL", "stage_url"),
    "api_key": ("PIPELINE_API_KEY", "api_key_value"),
    "audio_bucket": ("PIPELINE_AUDIO_BUCKET", "audio_bucket_name"),
    "transcript_bucket": ("PIPELINE_TRANSCRIPT_BUCKET", "transcript_bucket_name"),
    "image_bucket": ("PIPELINE_IMAGE_BUCKET", "image_bucket_name"),
}


# --- settings -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deployment:
    url: str | None = None
    api_key: str | None = None
    audio_bucket: str | None = None
    transcript_bucket: str | None = None
    image_bucket: str | None = None
    sources: dict[str, str] = field(default_factory=dict)  # setting -> where it came from, for error messages

    @property
    def region(self) -> str | None:
        """The Region in an execute-api stage URL; the buckets live there too."""
        match = _EXECUTE_API_HOST.match(self.url or "")
        return match.group(1) if match else None


def terraform_outputs(directory: Path, run: Callable[..., Any] = subprocess.run) -> dict[str, Any]:
    """`terraform output -json` in `directory` as {name: value}; empty when Terraform or its state is not there."""
    if shutil.which("terraform") is None:
        return {}
    try:
        done = run(["terraform", f"-chdir={directory}", "output", "-json"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    if done.returncode != 0:
        return {}
    try:
        outputs = json.loads(done.stdout or "{}")
    except json.JSONDecodeError:
        return {}
    return {name: item.get("value") for name, item in outputs.items() if isinstance(item, dict)}


def resolve_deployment(
    flags: Mapping[str, str | None],
    environ: Mapping[str, str],
    outputs: Callable[[], Mapping[str, Any]],
) -> Deployment:
    """Each setting from the flag, else the environment variable, else the Terraform output (read only if needed)."""
    values: dict[str, str | None] = {}
    sources: dict[str, str] = {}
    terraform: Mapping[str, Any] | None = None
    for name, (variable, output) in _SETTINGS.items():
        if flags.get(name):
            values[name], sources[name] = flags[name], "flag"
        elif environ.get(variable):
            values[name], sources[name] = environ[variable], variable
        else:
            if terraform is None:
                terraform = outputs()
            value = terraform.get(output)
            values[name] = str(value) if value else None
            if value:
                sources[name] = f"terraform output {output}"
    if values["url"]:
        values["url"] = values["url"].rstrip("/")
        if not values["url"].startswith(("https://", "http://")):
            raise UsageError(f"stage URL {values['url']!r} (from {sources['url']}): expected an https:// URL")
    return Deployment(**values, sources=sources)
