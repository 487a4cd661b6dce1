#!/usr/bin/env python3
"""Keep the inputs and outputs tables of every Terraform module's documentation in step with its .tf files.

    python3 scripts/tf_docs.py           rewrite the tables between <!-- BEGIN_TF_DOCS --> and <!-- END_TF_DOCS -->
    python3 scripts/tf_docs.py --check   change nothing; exit 1 and name every page whose tables are stale

Modules: the repository root (its tables are in docs/configuration.md, so that the README stays short), modules/*
and examples/* (their README.md). The tables come from `variable` blocks in variables.tf and
`output` blocks in outputs.tf, in file order, read with the small HCL block parser below (comments, strings with
interpolations, and heredocs are skipped when looking for braces). Standard library only.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"
GENERATED = (
    "<!-- Generated from variables.tf and outputs.tf; run `python3 scripts/tf_docs.py` after changing either. -->"
)
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
HEREDOC = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_]*)[ \t]*\n")
OPENING = {"(": ")", "[": "]", "{": "}"}
MASK = "x"


class HclError(ValueError):
    """Text the parser cannot read; the message gives the file position."""


@dataclass(frozen=True)
class Block:
    type: str
    labels: tuple[str, ...]
    attributes: dict[str, str]  # attribute name -> expression source text
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Variable:
    name: str
    type: str | None
    description: str | None
    default: str | None  # expression source text; None: no default, so the input is required
    sensitive: bool


@dataclass(frozen=True)
class Output:
    name: str
    description: str | None
    sensitive: bool


# ---------------------------------------------------------------------------------------------------------------
# Parser
# ---------------------------------------------------------------------------------------------------------------


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def mask(text: str) -> tuple[str, str]:
    """Two copies of the text with every offset kept: `code` has the comments blanked; `masked` also has the insides
    of strings and heredocs replaced by `x` (newlines in heredocs too), so that brackets, `=` and newlines in it are
    structure only."""
    out = list(text)
    code = list(text)
    pos, size = 0, len(text)

    def blank(start: int, end: int, fill: str, *, keep_newlines: bool = True) -> None:
        for i in range(start, end):
            if text[i] != "\n" or not keep_newlines:
                out[i] = fill
                if fill == " ":
                    code[i] = fill

    def skip_string(start: int) -> int:
        """`start` is just after an opening quote; return the offset after the closing one."""
        i = start
        while i < size:
            char = text[i]
            if char == "\\":
                i += 2
            elif char == '"':
                return i + 1
            elif char in "$%" and text.startswith("{", i + 1) and not text.startswith(char, i - 1):
                i = skip_template(i + 2)
            elif char == "\n":
                raise HclError(f"line {_line_of(text, start)}: unterminated string")
            else:
                i += 1
        raise HclError(f"line {_line_of(text, start)}: unterminated string")

    def skip_template(start: int) -> int:
        """`start` is just after `${` or `%{`; return the offset after the matching `}`."""
        depth, i = 1, start
        while i < size:
            char = text[i]
            if char == '"':
                i = skip_string(i + 1)
                continue
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        raise HclError(f"line {_line_of(text, start)}: unterminated interpolation")

    while pos < size:
        char = text[pos]
        if char == "#" or text.startswith("//", pos):
            end = text.find("\n", pos)
            end = size if end < 0 else end
            blank(pos, end, " ")
            pos = end
        elif text.startswith("/*", pos):
            end = text.find("*/", pos + 2)
            if end < 0:
                raise HclError(f"line {_line_of(text, pos)}: unterminated comment")
            blank(pos, end + 2, " ")
            pos = end + 2
        elif char == '"':
            end = skip_string(pos + 1)
            blank(pos + 1, end - 1, MASK)
            pos = end
        elif (match := HEREDOC.match(text, pos)) is not None:
            marker = match.group(2)
            closing = re.compile(rf"^[ \t]*{marker}[ \t]*$", re.MULTILINE)
            found = closing.search(text, match.end())
            if found is None:
                raise HclError(f"line {_line_of(text, pos)}: heredoc {marker} is never closed")
            # Newlines too: a heredoc is one expression, whose end is the newline after the closing marker.
            blank(pos, found.end(), MASK, keep_newlines=False)
            pos = found.end()
        else:
            pos += 1
    return "".join(out), "".join(code)


def _closing(masked: str, open_pos: int) -> int:
    """Offset of the bracket matching the one at `open_pos` (in masked text)."""
    stack = [OPENING[masked[open_pos]]]
    for i in range(open_pos + 1, len(masked)):
        char = masked[i]
        if char in OPENING:
            stack.append(OPENING[char])
        elif char in ")]}":
            if char != stack.pop():
                raise HclError(f"line {_line_of(masked, i)}: unbalanced {char!r}")
            if not stack:
                return i
    raise HclError(f"line {_line_of(masked, open_pos)}: {masked[open_pos]!r} is never closed")


def _expression_end(masked: str, start: int, end: int) -> int:
    """An attribute's expression runs to the first newline outside brackets."""
    i = start
    while i < end:
        char = masked[i]
        if char in OPENING:
            i = _closing(masked, i) + 1
            continue
        if char == "\n":
            return i
        i += 1
    return end


def _parse_body(text: str, masked: str, start: int, end: int) -> tuple[dict[str, str], tuple[Block, ...]]:
    attributes: dict[str, str] = {}
    blocks: list[Block] = []
    pos = start
    while True:
        while pos < end and masked[pos] in " \t\r\n":
            pos += 1
        if pos >= end:
            return attributes, tuple(blocks)
        name = IDENTIFIER.match(masked, pos, end)
        if name is None:
            raise HclError(f"line {_line_of(text, pos)}: expected an attribute or a block")
        pos = name.end()
        while pos < end and masked[pos] in " \t":
            pos += 1
        if masked.startswith("=", pos) and not masked.startswith("==", pos):
            value_end = _expression_end(masked, pos + 1, end)
            attributes[name.group()] = text[pos + 1 : value_end].strip()
            pos = value_end
            continue
        labels = []
        while pos < end and masked[pos] != "{":
            if masked[pos] == '"':
                close = masked.index('"', pos + 1)
                labels.append(text[pos + 1 : close])
                pos = close + 1
            elif (label := IDENTIFIER.match(masked, pos, end)) is not None:
                labels.append(label.group())
                pos = label.end()
            elif masked[pos] in " \t":
                pos += 1
            else:
                raise HclError(f"line {_line_of(text, pos)}: unexpected {text[pos]!r} after {name.group()!r}")
        if pos >= end:
            raise HclError(f"line {_line_of(text, name.start())}: block {name.group()!r} has no body")
        close = _closing(masked, pos)
        body_attributes, body_blocks = _parse_body(text, masked, pos + 1, close)
        blocks.append(Block(name.group(), tuple(labels), body_attributes, body_blocks))
        pos = close + 1


def parse(text: str) -> tuple[dict[str, str], tuple[Block, ...]]:
    """Top-level attributes and blocks of one .tf file (or any HCL text); expressions without their comments."""
    masked, code = mask(text)
    return _parse_body(code, masked, 0, len(text))


def string_value(expression: str | None) -> str | None:
    """The value of a literal string expression (quoted or heredoc); None when there is none."""
    if expression is None:
        return None
    heredoc = HEREDOC.match(expression)
    if heredoc is not None:
        body = expression[heredoc.end() :]
        body = body[: body.rstrip().rfind("\n") + 1] if "\n" in body.rstrip() else ""
        return textwrap.dedent(body) if heredoc.group(1) else body
    if len(expression) >= 2 and expression[0] == expression[-1] == '"':
        return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), expression[1:-1])
    return None


def read_variables(path: Path) -> list[Variable]:
    if not path.is_file():
        return []
    _, blocks = parse(path.read_text(encoding="utf-8"))
    return [
        Variable(
            name=block.labels[0],
            type=block.attributes.get("type"),
            description=string_value(block.attributes.get("description")),
            default=block.attributes.get("default"),
            sensitive=block.attributes.get("sensitive") == "true",
        )
        for block in blocks
        if block.type == "variable" and block.labels
    ]


def read_outputs(path: Path) -> list[Output]:
    if not path.is_file():
        return []
    _, blocks = parse(path.read_text(encoding="utf-8"))
    return [
        Output(
            name=block.labels[0],
            description=string_value(block.attributes.get("description")),
            sensitive=block.attributes.get("sensitive") == "true",
        )
        for block in blocks
        if block.type == "output" and block.labels
    ]


# ---------------------------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------------------------


def _cell(text: str) -> str:
    """One table cell: a single line, pipes escaped, and `<`/`>` outside code spans escaped (or they would be read
    as HTML tags and vanish)."""
    parts = " ".join(text.split()).replace("|", "\\|").split("`")
    return "`".join(html.escape(part, quote=False) if i % 2 == 0 else part for i, part in enumerate(parts))


def _code(expression: str) -> str:
    """An expression as inline code, or as a <pre> block when it spans several lines."""
    if "\n" not in expression:
        return f"`{expression.strip()}`".replace("|", "\\|")
    first, rest = expression.split("\n", 1)
    body = [first.strip(), *[line.rstrip() for line in textwrap.dedent(rest).split("\n")]]
    # Alignment padding from `terraform fmt` is squeezed to one space; the indentation stays.
    escaped = [html.escape(re.sub(r"(?<=\S) {2,}", " ", line), quote=False).replace("|", "&#124;") for line in body]
    return "<pre>" + "<br>".join(escaped) + "</pre>"


def render_tables(module: Path) -> str:
    variables = read_variables(module / "variables.tf")
    outputs = read_outputs(module / "outputs.tf")
    lines = ["## Inputs", ""]
    if variables:
        lines += [
            "| Name | Description | Type | Default | Required |",
            "|------|-------------|------|---------|:--------:|",
        ]
        for var in variables:
            default = "n/a" if var.default is None else _code(var.default)
            lines.append(
                f"| `{var.name}` | {_cell(var.description or '')} | {_code(var.type or 'any')} | {default} "
                f"| {'yes' if var.default is None else 'no'} |"
            )
    else:
        lines.append("No inputs.")
    lines += ["", "## Outputs", ""]
    if outputs:
        lines += ["| Name | Description |", "|------|-------------|"]
        for out in outputs:
            note = " (sensitive)" if out.sensitive else ""
            lines.append(f"| `{out.name}` | {_cell(out.description or '')}{note} |")
    else:
        lines.append("No outputs.")
    return "\n".join(lines)


def render_readme(readme: str, tables: str) -> str:
    """The README with everything between the markers replaced by the tables."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise HclError(f"the README needs {BEGIN} followed by {END}")
    return readme[: start + len(BEGIN)] + "\n" + GENERATED + "\n" + tables + "\n" + readme[end:]


def module_dirs(root: Path = ROOT) -> list[Path]:
    """Every directory holding a Terraform module whose README the tables belong in."""
    candidates = [root, *sorted((root / "modules").glob("*")), *sorted((root / "examples").glob("*"))]
    return [d for d in candidates if d.is_dir() and any(d.glob("*.tf"))]


def docs_page(module: Path, root: Path = ROOT) -> Path:
    """The page that holds a module's tables: docs/configuration.md for the root module, else its README.md."""
    return root / "docs" / "configuration.md" if module.resolve() == root.resolve() else module / "README.md"


def stale_readmes(root: Path = ROOT, *, write: bool) -> list[Path]:
    """Pages whose tables differ from the .tf files (rewritten when `write`)."""
    stale = []
    for module in module_dirs(root):
        readme_path = docs_page(module, root)
        current = readme_path.read_text(encoding="utf-8") if readme_path.is_file() else ""
        if BEGIN not in current:
            raise HclError(f"{readme_path} is missing or has no {BEGIN} ... {END} markers")
        wanted = render_readme(current, render_tables(module))
        if wanted != current:
            stale.append(readme_path)
            if write:
                readme_path.write_text(wanted, encoding="utf-8")
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a page is stale")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: this repository)")
    args = parser.parse_args(argv)
    if not args.root.is_dir():
        print(f"tf_docs.py: error: --root {args.root}: no such directory", file=sys.stderr)
        return 2
    try:
        stale = stale_readmes(args.root, write=not args.check)
    except (HclError, OSError) as err:
        print(f"tf_docs.py: error: {err}", file=sys.stderr)
        return 2
    for path in stale:
        verb = "is stale (run: python3 scripts/tf_docs.py)" if args.check else "updated"
        print(f"{path.relative_to(args.root)}: {verb}")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
