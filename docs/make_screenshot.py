#!/usr/bin/env python3
"""Make docs/player.png, the README's picture: the player page `make demo` wrote, rendered by headless Chromium.

    make demo
    python3 docs/make_screenshot.py [--page demo-output/sample-talk/index.html] [--at 12.5]

The page is rendered as it is, after one seek to --at seconds (so that a scene's image and a subtitle cue show),
through a copy beside it that adds that seek; the copy is removed afterwards. Chromium is Debian's (`apt-get install
chromium`), started with the flags a closed network needs (no background connections). Standard library only.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEK = (
    "<script>var a=document.getElementById('audio');a.currentTime={at};"
    "a.dispatchEvent(new Event('seeked'));</script></body>"
)
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--mute-audio", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--page", type=Path, default=ROOT / "demo-output" / "sample-talk" / "index.html")
    parser.add_argument("--at", type=float, default=12.5, help="seconds into the audio (default: 12.5)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "player.png")
    parser.add_argument("--size", default="1280,900", help="window width,height (default: 1280,900)")
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("make_screenshot.py: error: no chromium on PATH (apt-get install chromium)", file=sys.stderr)
        return 2
    if not args.page.is_file():
        print(f"make_screenshot.py: error: {args.page}: no such page; run `make demo` first", file=sys.stderr)
        return 2
    copy = args.page.with_name("screenshot-seek.html")
    copy.write_text(args.page.read_text(encoding="utf-8").replace("</body>", SEEK.format(at=args.at), 1), "utf-8")
    try:
        with tempfile.TemporaryDirectory() as profile:
            done = subprocess.run(
                [chromium, *FLAGS, f"--user-data-dir={profile}", f"--window-size={args.size}",
                 "--virtual-time-budget=8000", f"--screenshot={args.out.resolve()}", copy.resolve().as_uri()],
                capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
    finally:
        copy.unlink()
    if done.returncode != 0 or not args.out.is_file():
        print(f"make_screenshot.py: error: chromium failed: {done.stderr.strip()[-500:]}", file=sys.stderr)
        return 1
    print(f"{args.out} written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
