"""Fixtures for the Terraform tests: real Terraform against the offline stub providers.

Every pytest-xdist worker gets its own stub mirror and its own copy of the repository under its own temporary
directory, so workers never share a `.terraform/` directory, a lock file or a state file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the `harness` package, whichever rootdir/import mode pytest uses
    sys.path.insert(0, str(HERE))

from harness.runner import Terraform  # noqa: E402
from harness.workspace import InitCache, copy_repo  # noqa: E402


@pytest.fixture(scope="session")
def terraform(tmp_path_factory: pytest.TempPathFactory) -> Terraform:
    """Terraform with the stub providers, set up once per worker."""
    return Terraform.setup(tmp_path_factory.mktemp("tf-harness"))


@pytest.fixture(scope="session")
def repo_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository shared by this worker's checks that change nothing but `.terraform/`."""
    return copy_repo(tmp_path_factory.mktemp("repo"))


@pytest.fixture(scope="session")
def init_once(terraform: Terraform, repo_copy: Path) -> InitCache:
    return InitCache(terraform)
