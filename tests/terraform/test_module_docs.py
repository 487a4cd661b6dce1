"""The documentation of every Terraform module (docs/configuration.md for the root, README.md for the others) lists
exactly the inputs and outputs of its .tf files, and the .tf files keep the conventions the tables rely on (a type and
a description everywhere, a reason next to every depends_on)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tf_docs

REPO = Path(__file__).resolve().parents[2]
MODULES = tf_docs.module_dirs(REPO)
TF_FILES = sorted(path for module in MODULES for path in module.glob("*.tf"))


def _id(module: Path) -> str:
    return str(module.relative_to(REPO)) if module != REPO else "root"


def test_the_root_every_submodule_and_every_example_is_documented() -> None:
    names = {_id(module) for module in MODULES}
    assert "root" in names
    assert {"modules/secure-bucket", "modules/upload-api", "modules/s3-triggered-function"} <= names
    assert {"examples/complete", "examples/basic"} <= names


def _page(module: Path) -> Path:
    return tf_docs.docs_page(module, REPO)


def test_the_root_tables_live_in_docs_not_in_the_readme() -> None:
    assert _page(REPO) == REPO / "docs" / "configuration.md"
    assert tf_docs.BEGIN not in (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("module", MODULES, ids=_id)
def test_readme_tables_match_the_tf_files(module: Path) -> None:
    readme = _page(module).read_text(encoding="utf-8")
    wanted = tf_docs.render_readme(readme, tf_docs.render_tables(module))
    assert readme == wanted, f"{_page(module).relative_to(REPO)} is stale: run python3 scripts/tf_docs.py"
    assert tf_docs.GENERATED in readme, "every generated section says what it is generated from"


@pytest.mark.parametrize("module", MODULES, ids=_id)
def test_readme_lists_every_variable_and_output_by_name(module: Path) -> None:
    """Independent of the renderer: each name declared in the .tf files appears as a table row."""
    readme = _page(module).read_text(encoding="utf-8")
    tables = readme[readme.index(tf_docs.BEGIN) : readme.index(tf_docs.END)]
    declared = re.findall(
        r'^(?:variable|output)\s+"([^"]+)"',
        "".join(p.read_text() for p in (module / "variables.tf", module / "outputs.tf") if p.exists()),
        re.M,
    )
    rows = re.findall(r"^\| `([^`]+)` \|", tables, re.M)
    assert rows == declared


@pytest.mark.parametrize("module", MODULES, ids=_id)
def test_every_variable_has_a_type_and_a_description(module: Path) -> None:
    for variable in tf_docs.read_variables(module / "variables.tf"):
        assert variable.type, f"{_id(module)}: variable {variable.name} has no type"
        assert variable.description, f"{_id(module)}: variable {variable.name} has no description"


@pytest.mark.parametrize("module", MODULES, ids=_id)
def test_every_output_has_a_description(module: Path) -> None:
    for output in tf_docs.read_outputs(module / "outputs.tf"):
        assert output.description, f"{_id(module)}: output {output.name} has no description"


@pytest.mark.parametrize("path", TF_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_depends_on_says_which_error_it_prevents(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if re.match(r"\s*depends_on\s*=", line):
            above = next((text.strip() for text in reversed(lines[:number]) if text.strip()), "")
            assert above.startswith("#"), f"{path.name}:{number + 1}: depends_on without a comment above it"


def test_every_function_waits_for_its_role_policy() -> None:
    # Otherwise the first events after an apply can race IAM ("AccessDenied ... is not authorized to perform").
    functions = 0
    for path in TF_FILES:
        text = path.read_text(encoding="utf-8")
        for block in re.finditer(r'^resource "aws_lambda_function" "(\w+)" \{\n(.*?)^\}', text, re.M | re.S):
            functions += 1
            depends = re.search(r"depends_on\s*=\s*\[([^\]]*)\]", block.group(2))
            assert depends, f"{path.name}: {block.group(1)} has no depends_on"
            assert "aws_iam_role_policy." in depends.group(1), f"{path.name}: {block.group(1)}"
    assert functions >= 2


def test_check_mode_reports_a_stale_readme_and_write_mode_fixes_it(tmp_path: Path) -> None:
    (tmp_path / "variables.tf").write_text('variable "region" {\n  type        = string\n  description = "Where."\n}\n')
    (tmp_path / "outputs.tf").write_text('output "url" {\n  description = "The URL."\n  value       = "x"\n}\n')
    readme = tmp_path / "docs" / "configuration.md"  # the root module's page
    readme.parent.mkdir()
    readme.write_text(f"# Title\n\nProse stays.\n\n{tf_docs.BEGIN}\nold table\n{tf_docs.END}\n\nMore prose.\n")

    assert tf_docs.main(["--check", "--root", str(tmp_path)]) == 1
    assert "old table" in readme.read_text()

    assert tf_docs.main(["--root", str(tmp_path)]) == 0
    text = readme.read_text()
    assert text.startswith("# Title\n\nProse stays.\n\n")
    assert text.endswith(f"{tf_docs.END}\n\nMore prose.\n")
    assert "| `region` | Where. | `string` | n/a | yes |" in text
    assert "| `url` | The URL. |" in text
    assert tf_docs.main(["--check", "--root", str(tmp_path)]) == 0

    (tmp_path / "variables.tf").write_text(
        (tmp_path / "variables.tf").read_text() + 'variable "zone" {\n  type        = string\n  description = "Z."\n}\n'
    )
    assert tf_docs.main(["--check", "--root", str(tmp_path)]) == 1


def test_a_page_without_markers_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text("")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "configuration.md").write_text("# No markers\n")
    assert tf_docs.main(["--check", "--root", str(tmp_path)]) == 2


TRICKY = r"""
# A comment with { a brace
variable "with_braces" {
  type        = string
  description = "Braces } in { a string, an escaped \" quote and ${upper("}")} inside"
  default     = "}" // trailing comment {
}

/* a block comment
variable "commented_out" {}
*/

variable "heredoc" {
  type = object({
    a = optional(string, "{")
    b = list(number)
  })
  description = <<-EOT
    First line with a } brace.
      Indented line.
  EOT
  default     = { a = "x", b = [1, 2] }
  sensitive   = true
}

variable "required" {
  type        = map(string)
  description = "No default: required."
}

output "single_line" { value = "${var.required}" }
"""


def test_parser_reads_blocks_around_braces_in_strings_comments_and_heredocs() -> None:
    attributes, blocks = tf_docs.parse(TRICKY)
    assert attributes == {}
    assert [(b.type, b.labels) for b in blocks] == [
        ("variable", ("with_braces",)),
        ("variable", ("heredoc",)),
        ("variable", ("required",)),
        ("output", ("single_line",)),
    ]
    with_braces, heredoc, required, single_line = blocks
    assert tf_docs.string_value(with_braces.attributes["description"]) == (
        'Braces } in { a string, an escaped " quote and ${upper("}")} inside'
    )
    assert with_braces.attributes["default"] == '"}"'
    assert heredoc.attributes["type"].startswith("object({")
    assert heredoc.attributes["type"].endswith("})")
    assert tf_docs.string_value(heredoc.attributes["description"]) == "First line with a } brace.\n  Indented line.\n"
    assert heredoc.attributes["default"] == '{ a = "x", b = [1, 2] }'
    assert heredoc.attributes["sensitive"] == "true"
    assert "default" not in required.attributes
    assert single_line.attributes == {"value": '"${var.required}"'}


def test_tables_render_required_inputs_multiline_types_and_sensitive_outputs(tmp_path: Path) -> None:
    (tmp_path / "variables.tf").write_text(TRICKY.split("output", maxsplit=1)[0])
    (tmp_path / "outputs.tf").write_text(
        'output "secret" {\n  description = "A <secret> | value."\n  value       = 1\n  sensitive   = true\n}\n'
    )
    tables = tf_docs.render_tables(tmp_path)
    rows = {line.split("|")[1].strip(" `"): line for line in tables.splitlines() if line.startswith("| `")}
    assert list(rows) == ["with_braces", "heredoc", "required", "secret"]
    assert rows["required"].endswith("| `map(string)` | n/a | yes |")
    assert "<pre>object({<br>  a = optional(string, &quot;{&quot;)" not in rows["heredoc"]  # quotes stay quotes
    assert '<pre>object({<br>  a = optional(string, "{")<br>  b = list(number)<br>})</pre>' in rows["heredoc"]
    assert "First line with a } brace. Indented line." in rows["heredoc"]
    assert rows["secret"] == "| `secret` | A &lt;secret&gt; \\| value. (sensitive) |"


def test_unbalanced_text_is_reported_with_its_line() -> None:
    with pytest.raises(tf_docs.HclError, match="line 2"):
        tf_docs.parse('variable "a" {\n  description = "never closed\n}\n')
