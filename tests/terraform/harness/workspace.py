"""Copies of the repository for Terraform to work in, and the directories it checks.

Terraform runs on copies: `init` writes `.terraform/` and a lock file, `apply` writes state, and the repository's
own `.terraform.lock.hcl` (if any) carries the real providers' hashes, which `init` would reject for the stubs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from harness.runner import Result, Terraform

REPO = Path(__file__).resolve().parents[3]

_NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv*",  # the project virtualenv and the separate one checkov runs in
    ".tf-harness",
    ".terraform",
    ".terraform.lock.hcl",
    "*.tfstate",
    "*.tfstate.*",
    "*.tfplan",
    "build",
    "demo-output",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
)


def copy_repo(destination: Path, source: Path = REPO) -> Path:
    """Copy the repository's sources (no state, caches or lock files) to `destination` and return it."""
    shutil.copytree(source, destination, ignore=_NOT_COPIED, dirs_exist_ok=True)
    return destination


def module_directories(repo: Path = REPO) -> list[str]:
    """The root module, every submodule and every example, relative to the repository root."""
    found = ["."]
    for parent in ("modules", "examples"):
        base = repo / parent
        if base.is_dir():
            found += [f"{parent}/{d.name}" for d in sorted(base.iterdir()) if d.is_dir() and any(d.glob("*.tf"))]
    return found


def assert_success(result: Result) -> None:
    assert result.returncode == 0, result.describe()


class InitCache:
    """`terraform init` once per directory and arguments (per worker: each has its own copy)."""

    def __init__(self, terraform: Terraform) -> None:
        self.terraform = terraform
        self._done: dict[tuple[str, ...], Result] = {}

    def __call__(self, directory: Path, *args: str) -> Result:
        key = (str(directory), *args)
        if key not in self._done:
            self._done[key] = self.terraform.init(directory, *args)
        return self._done[key]
