"""`terraform plan` refuses a retired or unknown image model with the very sentence the function and the preview use
(pipeline_core/models.py builds it in Python, variables.tf in HCL, both from models.json)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from harness.runner import Terraform
from harness.workspace import assert_success, copy_repo

from pipeline_core.models import CATALOGUE

pytestmark = pytest.mark.terraform

PROBE = """
mock_provider "aws" {
  source = "./tests/terraform/mocks/aws"
}

mock_provider "external" {
  source = "./tests/terraform/mocks/external"
}

variables {
  name = "talks"
  buckets = {
    audio      = { name = "talks-audio" }
    transcript = { name = "talks-transcripts" }
    image      = { name = "talks-images" }
  }
}
"""


def _flat(text: str) -> str:
    """Terraform wraps diagnostics in a box of `│` lines; compare the words only."""
    return re.sub(r"\s+", " ", text.replace("│", " ")).strip()


@pytest.mark.parametrize("model", ["amazon.nova-canvas-v1:0", "amazon.titan-image-generator-v1", "acme.painter-v1:0"])
def test_plan_refuses_retired_and_unknown_models_with_the_python_message(
    terraform: Terraform, tmp_path: Path, model: str
) -> None:
    copy = copy_repo(tmp_path / "repo")
    run = f'run "refused" {{\n  command = plan\n  variables {{\n    image_model_id = "{model}"\n  }}\n}}\n'
    (copy / "tests" / "terraform" / "refusal_probe.tftest.hcl").write_text(PROBE + run, encoding="utf-8")
    assert_success(terraform.init(copy, "-test-directory=tests/terraform"))
    result = terraform.run(
        copy, "test", "-test-directory=tests/terraform", "-filter=tests/terraform/refusal_probe.tftest.hcl", "-no-color"
    )
    assert result.returncode != 0, result.describe()
    message = CATALOGUE.refusal(model, "image")
    assert message is not None
    assert model in message
    assert "stability.stable-image-core-v1:1" in message
    assert _flat(f"image_model_id: {message}") in _flat(result.output), result.describe()
