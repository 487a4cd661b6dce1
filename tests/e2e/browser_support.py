"""Debian's Chromium driven headless by selenium for the player tests; skipped, saying why, where it is missing."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
# The closed network refuses Chromium's background connections; these flags keep it from trying (and waiting).
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
)


def missing_reason() -> str | None:
    if not Path(CHROMIUM).exists() or not Path(CHROMEDRIVER).exists():
        return (
            "no Chromium here (needs Debian's chromium and chromium-driver: `apt-get install chromium "
            "chromium-driver`, which `make test` runs when it is root)"
        )
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (requirements-dev.txt pins it)"
    return None


@contextmanager
def chromium(width: int = 1000, height: int = 1400, *, phone: bool = False) -> Iterator[Any]:
    """A headless Chromium; `phone` emulates a phone's viewport (a window cannot be made that narrow)."""
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    if phone:
        options.add_experimental_option(
            "mobileEmulation", {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0}}
        )
    with tempfile.TemporaryDirectory(prefix="player-chromium-") as profile:
        options.add_argument(f"--user-data-dir={profile}")
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
        try:
            yield driver
        finally:
            driver.quit()


SEEK = """
const [t, done] = [arguments[0], arguments[arguments.length - 1]];
const audio = document.getElementById('audio');
const go = () => {
  audio.addEventListener('seeked', () => setTimeout(() => done(audio.currentTime), 50), {once: true});
  audio.currentTime = t;
};
if (audio.readyState >= 1) { go(); } else {
  audio.addEventListener('loadedmetadata', go, {once: true});
  audio.addEventListener('error', () => done('error: ' + (audio.error && audio.error.code)), {once: true});
  audio.load();
}
"""


def seek(driver: Any, seconds: float) -> Any:
    """Seek the page's <audio> to `seconds` as a user would with its slider; the time it reports after 'seeked'."""
    driver.set_script_timeout(30)
    return driver.execute_async_script(SEEK, seconds)


def screenshot(driver: Any, name: str, fallback_dir: Path) -> Path:
    """Where PLAYER_SCREENSHOTS points (to look at them), else the test's temporary folder."""
    folder = Path(os.environ.get("PLAYER_SCREENSHOTS") or fallback_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    driver.save_screenshot(str(path))
    return path
