"""The harness itself, on a small fixture module (tests/terraform/fixtures/basic): the stubs validate, plan, apply
and read like providers do, `terraform test` works with mock providers, and the checks the module tests rely on
do fail when they should (a changed package shows in the plan, a failing program and an unmarked sensitive output
stop it)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from harness.runner import Terraform
from harness.workspace import assert_success

pytestmark = pytest.mark.terraform

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "basic"


@pytest.fixture
def basic(tmp_path: Path, terraform: Terraform) -> Path:
    """An initialised copy of the fixture module (state and .terraform/ stay in the temporary directory)."""
    copy = tmp_path / "basic"
    shutil.copytree(FIXTURE, copy, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*", "build"))
    assert_success(terraform.init(copy))
    return copy


def test_fixture_validates(terraform: Terraform, basic: Path) -> None:
    assert_success(terraform.validate(basic))


def test_apply_then_plan_shows_no_change_until_the_package_changes(terraform: Terraform, basic: Path) -> None:
    assert_success(terraform.run(basic, "apply", "-auto-approve", "-no-color"))
    outputs = json.loads(terraform.run(basic, "output", "-json").stdout)
    assert outputs["bucket"]["value"].startswith("harness-")  # bucket_prefix honoured
    assert outputs["api_key"]["sensitive"] is True

    unchanged = terraform.run(basic, "plan", "-detailed-exitcode", "-no-color")
    assert unchanged.returncode == 0, unchanged.describe()

    (basic / "source.txt").write_text("def handler(event, context): return 1\n", encoding="utf-8")
    changed = terraform.run(basic, "plan", "-detailed-exitcode", "-no-color")
    assert changed.returncode == 2, changed.describe()
    assert "source_code_hash" in changed.stdout


def test_terraform_test_runs_with_mock_providers(terraform: Terraform, basic: Path) -> None:
    result = terraform.run(basic, "test", "-no-color")
    assert_success(result)
    assert "2 passed, 0 failed" in result.stdout


def test_a_failing_external_program_fails_the_plan(terraform: Terraform, basic: Path) -> None:
    result = terraform.run(basic, "plan", "-no-color", "-var=source_file=missing.txt")
    assert result.returncode == 1, result.describe()
    assert "External Program Execution Failed" in result.output
    assert "no source file" in result.output


def test_an_output_of_a_sensitive_attribute_must_be_marked_sensitive(terraform: Terraform, basic: Path) -> None:
    main_tf = basic / "main.tf"
    text = main_tf.read_text(encoding="utf-8")
    assert "  sensitive   = true\n" in text
    main_tf.write_text(text.replace("  sensitive   = true\n", ""), encoding="utf-8")
    result = terraform.run(basic, "plan", "-no-color")
    assert result.returncode == 1, result.describe()
    assert "Output refers to sensitive values" in result.output
