"""The module under real Terraform with the offline stub providers: formatting, init + validate of the root, every
submodule and every example, the module's own `*.tftest.hcl` files (mock providers), a broken copy that must fail
validation, and packaging stability (apply, then a plan that shows no change)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from harness.install import PROVIDERS
from harness.runner import Terraform
from harness.schema import load_schema
from harness.workspace import REPO, InitCache, assert_success, copy_repo, module_directories

pytestmark = pytest.mark.terraform

TEST_DIRECTORY = "tests/terraform"
TEST_FILES = sorted(p.name for p in (REPO / TEST_DIRECTORY).glob("*.tftest.hcl"))
STABILITY_TARGET = "examples/complete"  # a caller as users write it: provider block, every input set


def _test_directory_args(directory: str) -> tuple[str, ...]:
    # The root also loads the module's test files, so `init` installs what they need and `validate` checks them.
    return (f"-test-directory={TEST_DIRECTORY}",) if directory == "." else ()


def test_terraform_fmt_is_clean(terraform: Terraform, repo_copy: Path) -> None:
    result = terraform.run(repo_copy, "fmt", "-check", "-recursive", "-diff", "-no-color")
    assert result.returncode == 0, f"run `terraform fmt -recursive`:\n{result.describe()}"


@pytest.mark.parametrize("directory", module_directories())
def test_init_and_validate(terraform: Terraform, repo_copy: Path, init_once: InitCache, directory: str) -> None:
    path = repo_copy / directory
    assert any(path.glob("*.tf")), f"{directory} has no .tf files"
    assert_success(init_once(path, *_test_directory_args(directory)))
    assert_success(terraform.validate(path, *_test_directory_args(directory)))


@pytest.mark.parametrize("test_file", TEST_FILES or ["<none>"])
def test_tftest_file_passes(terraform: Terraform, repo_copy: Path, init_once: InitCache, test_file: str) -> None:
    assert TEST_FILES, f"no *.tftest.hcl files in {TEST_DIRECTORY}/"
    assert_success(init_once(repo_copy, *_test_directory_args(".")))
    result = terraform.run(
        repo_copy, "test", f"-test-directory={TEST_DIRECTORY}", f"-filter={TEST_DIRECTORY}/{test_file}", "-no-color"
    )
    assert_success(result)
    assert re.search(r"\b[1-9]\d* passed, 0 failed", result.stdout), result.describe()


# --- Negative: the harness must be able to fail --------------------------------------------------------------
_RESOURCE = re.compile(r'^resource "(aws_\w+)" "[\w-]+" \{$')
_ARGUMENT = re.compile(r"^(\s+)(\w+)(\s*=)")
_BLOCK = re.compile(r"^(\s+)(\w+)(\s*\{)$")
_META = {"count", "for_each", "provider", "depends_on", "lifecycle", "dynamic", "provisioner", "connection"}
_AWS = load_schema(next(spec.schema for spec in PROVIDERS if spec.name == "aws"))


def _misspell(name: str, known: set[str]) -> str:
    """A plausible typo of `name` (two letters swapped, else one doubled) that the schema does not know."""
    candidates = [name[:i] + name[i + 1] + name[i] + name[i + 2 :] for i in range(1, len(name) - 1)]
    candidates += [name[: i + 1] + name[i:] for i in range(1, len(name))]
    return next(c for c in candidates if c != name and c not in known and c not in _META)


def _depth_change(line: str) -> int:
    code = re.sub(r'"(?:[^"\\]|\\.)*"', '""', line.split("#", 1)[0])
    return sum(code.count(c) for c in "{[(") - sum(code.count(c) for c in "}])")


def break_first_resource(text: str, kind: str) -> tuple[str, str] | None:
    """Misspell an argument (kind "argument") or a nested block's name (kind "block") of the first resource that
    has one; return the new text and the misspelled name, or None."""
    lines = text.splitlines(keepends=True)
    pattern = _ARGUMENT if kind == "argument" else _BLOCK
    resource_type, depth = None, 0
    for index, line in enumerate(lines):
        header = _RESOURCE.match(line.rstrip("\n"))
        if header and depth == 0:
            resource_type, depth = header.group(1), 1
            continue
        if resource_type is None:
            continue
        match = pattern.match(line.rstrip("\n"))
        if depth == 1 and match and match.group(2) not in _META:
            block = _AWS.resources[resource_type]["block"]
            known = set(block.get("attributes", {})) | set(block.get("block_types", {}))
            typo = _misspell(match.group(2), known)
            lines[index] = f"{match.group(1)}{typo}{line[match.end(2) :]}"
            return "".join(lines), typo
        depth += _depth_change(line)
        if depth <= 0:
            resource_type, depth = None, 0
    return None


def _module_tf_files(root: Path) -> list[Path]:
    files = sorted(root.glob("*.tf"))
    for module in sorted((root / "modules").glob("*")):
        files += sorted(module.glob("*.tf"))
    return files


@pytest.mark.parametrize(
    ("kind", "message"), [("argument", "Unsupported argument"), ("block", "Unsupported block type")]
)
def test_validate_rejects_a_copy_with_a_misspelled_name(
    terraform: Terraform, tmp_path: Path, kind: str, message: str
) -> None:
    copy = copy_repo(tmp_path / "repo")
    for tf_file in _module_tf_files(copy):
        broken = break_first_resource(tf_file.read_text(encoding="utf-8"), kind)
        if broken:
            break
    else:
        pytest.fail(f"no aws resource with a nested {kind} in the module's .tf files to break")
    text, typo = broken
    tf_file.write_text(text, encoding="utf-8")
    directory = tf_file.parent
    assert_success(terraform.init(directory))
    result = terraform.validate(directory)
    assert result.returncode == 1, result.describe()
    assert message in result.output, result.describe()
    assert typo in result.output, result.describe()


# --- Packaging stability ----------------------------------------------------------------------------------------
def test_apply_then_plan_shows_no_change(terraform: Terraform, tmp_path: Path) -> None:
    """A real apply (data "external" runs scripts/package.py), then a plan over the same sources: the zips and
    their hashes are deterministic, so nothing is to change. State stays local, in the temporary copy."""
    copy = copy_repo(tmp_path / "repo")
    target = copy / STABILITY_TARGET
    assert any(target.glob("*.tf")), f"{STABILITY_TARGET} has no .tf files"
    assert_success(terraform.init(target))
    assert_success(terraform.run(target, "apply", "-auto-approve", "-no-color"))
    plan = terraform.run(target, "plan", "-detailed-exitcode", "-no-color")
    assert plan.returncode == 0, f"the second plan is not empty (exit 2 = changes):\n{plan.describe()}"
