"""The demo's last step: ask the local upload API for the result as a user would (curl, GET, the API key), print the
answer, and put the audio beside the player in the demo's output folder (fetched through its presigned link)."""

from __future__ import annotations

import json
import posixpath
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline_client import results_route


def ask_with_curl(stage_url: str, api_key: str, key: str) -> tuple[dict[str, Any], float, str]:
    """(answer, seconds, the command shown); curl when installed, else the same request from Python."""
    url = results_route.results_url(stage_url, key)
    shown = f'curl -H "x-api-key: $API_KEY" "{url}"'
    started = time.monotonic()
    if shutil.which("curl"):
        done = subprocess.run(
            ["curl", "-sS", "--fail-with-body", "-H", f"x-api-key: {api_key}", url],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        answer = json.loads(done.stdout)
    else:
        answer = results_route.ask(stage_url, api_key, key)
    return answer, time.monotonic() - started, shown


def show_result(stage_url: str, api_key: str, key: str, out_dir: Path, say: Callable[[str], None]) -> dict[str, Any]:
    answer, seconds, shown = ask_with_curl(stage_url, api_key, key)
    say(f"== results over the API: {shown}  ({seconds * 1000:.0f} ms)")
    for line in json.dumps(answer, indent=2, ensure_ascii=False).splitlines():
        say(f"  {line}")
    audio = out_dir / posixpath.basename(key)
    with urllib.request.urlopen(answer["links"]["audio"], timeout=60) as response:  # noqa: S310 - presigned, local
        audio.write_bytes(response.read())
    say(f"  the player {out_dir / 'index.html'} has its audio beside it: {audio.name}")
    return answer
