"""The README a newcomer reads: short, its deploy walkthrough is examples/basic word for word (so `make test`
validates it with real Terraform), its screenshot is a real picture, and no link in it or in docs/ leads nowhere."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
PAGES = [README, *sorted((REPO / "docs").glob("*.md"))]
_SOURCE = re.compile(r'^(\s*source\s*=\s*)"[^"]*"(.*)$', re.M)


def _without_source(hcl: str) -> str:
    """The module's `source` differs by design: a git URL in the README, the repository itself in the example."""
    return _SOURCE.sub(r'\1"<source>"', hcl).strip()


def _hcl_blocks(text: str) -> list[str]:
    return re.findall(r"```hcl\n(.*?)```", text, re.S)


def test_the_readme_is_read_in_minutes() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 200


def test_the_deploy_walkthrough_is_examples_basic() -> None:
    blocks = [_without_source(b) for b in _hcl_blocks(README.read_text(encoding="utf-8"))]
    example = REPO / "examples" / "basic"
    files = {name: _without_source((example / name).read_text(encoding="utf-8")) for name in ("main.tf", "outputs.tf")}
    assert blocks == [files["main.tf"], files["outputs.tf"]]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_leads_somewhere(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = (page.parent / target.split("#", 1)[0]).resolve()
        assert path.exists(), f"{page.relative_to(REPO)} links to {target}, which does not exist"


def test_the_screenshot_is_a_real_png_of_a_page() -> None:
    images = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", README.read_text(encoding="utf-8"))
    assert images, "the README shows the player"
    data = (README.parent / images[0]).read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 800
    assert height >= 400
    assert len(data) > 20_000  # a rendered page, not a placeholder


def test_the_readmes_cost_summary_is_the_generated_estimate() -> None:
    """The README quotes docs/cost.md's totals; a price or default that changes them must change the README too."""
    cost = (REPO / "docs" / "cost.md").read_text(encoding="utf-8")
    totals = re.findall(r"\*\*One (\d+)-minute file: about (\$[\d.]+)\*\*", cost)
    assert len(totals) == 2
    readme = README.read_text(encoding="utf-8")
    for minutes, total in totals:
        assert re.search(rf"{minutes}-minute file (?:costs )?about \{total}\b", readme), (minutes, total)
