#!/usr/bin/env python3
"""Build one deployment zip per Lambda function (start_transcription, illustrate_scenes, presign_upload,
read_results): the function's package plus the shared `pipeline_core` package and the shared libraries it uses
(SHARED_BY_FUNCTION: the subtitle writer, the player page).

    python3 scripts/package.py [--out DIR]   writes DIR/<function>.zip (default: build/ in the repository) and prints
                                             {"<function>": {"path", "source_code_hash", "size"}, ...}
    python3 scripts/package.py --terraform   for the hashicorp/external data source: reads the query object on stdin
                                             (optional "out") and prints a flat object of strings,
                                             {"<function>_path", "<function>_hash", "<function>_size", ...}

The same sources give the same bytes on every run, checkout and machine, so Terraform's `source_code_hash` changes only
when the code does: entries sorted by name, fixed timestamps, one file mode, CRLF line endings of text files turned
into LF, caches and dotfiles left out. Standard library only: it runs on the deployer's machine in `terraform apply`.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import stat
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIR = ROOT / "functions"
DEFAULT_OUT = ROOT / "build"
FUNCTIONS = ("start_transcription", "illustrate_scenes", "presign_upload", "read_results")
SHARED = ("pipeline_core",)  # in every zip
# Shared libraries only some functions import (a later function that needs one adds itself here).
SHARED_BY_FUNCTION: dict[str, tuple[str, ...]] = {
    "illustrate_scenes": ("subtitle_writer", "player"),
    "read_results": ("player",),
}
HANDLER_FILE = "handler.py"

FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can hold
FILE_MODE = stat.S_IFREG | 0o644
UNIX = 3  # "made by" system; the default depends on the building OS and changes the bytes
COMPRESSION = zipfile.ZIP_DEFLATED
COMPRESS_LEVEL = 9
# Git may check these out with CRLF (core.autocrlf on Windows); LF everywhere keeps the zip identical.
TEXT_SUFFIXES = frozenset({".py", ".json", ".txt", ".md", ".html", ".css", ".js", ".svg", ".csv", ".toml", ".cfg"})
EXCLUDED_DIRS = frozenset({"__pycache__"})
EXCLUDED_SUFFIXES = frozenset({".pyc", ".pyo"})


class PackagingError(Exception):
    """A source tree the zips cannot be built from; the message says what is missing."""


def package_files(src: Path, package: str) -> list[tuple[str, Path]]:
    """(name inside the zip, file) for every file of one package folder, minus caches and dotfiles."""
    root = src / package
    if not root.is_dir():
        raise PackagingError(f"{root} is missing")
    found = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = [d for d in subdirs if d not in EXCLUDED_DIRS and not d.startswith(".")]
        for file in files:
            path = Path(directory, file)
            if file.startswith(".") or path.suffix in EXCLUDED_SUFFIXES:
                continue
            found.append((path.relative_to(src).as_posix(), path))
    return found


def read_entry(path: Path) -> bytes:
    data = path.read_bytes()
    return data.replace(b"\r\n", b"\n") if path.suffix in TEXT_SUFFIXES else data


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.create_system = UNIX
            info.external_attr = FILE_MODE << 16
            info.compress_type = COMPRESSION
            archive.writestr(info, entries[name], compresslevel=COMPRESS_LEVEL)
    return buffer.getvalue()


def shared_packages(function: str) -> tuple[str, ...]:
    return SHARED + SHARED_BY_FUNCTION.get(function, ())


def all_shared_packages() -> tuple[str, ...]:
    return tuple(dict.fromkeys(SHARED + tuple(p for extra in SHARED_BY_FUNCTION.values() for p in extra)))


def function_zip(src: Path, function: str) -> bytes:
    if not (src / function / HANDLER_FILE).is_file():
        raise PackagingError(f"{src / function / HANDLER_FILE} is missing; the Lambda handler would not import")
    files = package_files(src, function)
    for package in shared_packages(function):
        files += package_files(src, package)
    return zip_bytes({name: read_entry(path) for name, path in files})


def write_if_changed(path: Path, data: bytes) -> None:
    """Atomic (temporary file + rename) and skipped when the bytes are already there, so the file's mtime stays."""
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)  # mkstemp creates 0600
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def build(out: Path, src: Path = SOURCE_DIR) -> dict[str, dict[str, str | int]]:
    """Write every function's zip into `out`; return path, base64 SHA-256 (Terraform's source_code_hash) and size."""
    result: dict[str, dict[str, str | int]] = {}
    for function in FUNCTIONS:
        data = function_zip(src, function)
        path = out / f"{function}.zip"
        write_if_changed(path, data)
        result[function] = {
            "path": str(path),
            "source_code_hash": base64.b64encode(hashlib.sha256(data).digest()).decode("ascii"),
            "size": len(data),
        }
    return result


def terraform_result(built: dict[str, dict[str, str | int]]) -> dict[str, str]:
    """The external data source accepts only a flat object of strings."""
    flat = {}
    for function, details in built.items():
        flat[f"{function}_path"] = str(details["path"])
        flat[f"{function}_hash"] = str(details["source_code_hash"])
        flat[f"{function}_size"] = str(details["size"])
    return flat


def read_query(text: str) -> dict[str, str]:
    query = json.loads(text) if text.strip() else {}
    if not isinstance(query, dict):
        raise PackagingError("the query on stdin must be a JSON object")
    unknown = sorted(set(query) - {"out"})
    if unknown:
        raise PackagingError(f"unknown query key(s) {', '.join(unknown)}; the only key is 'out'")
    return query


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory for the zips (default: build/)")
    parser.add_argument("--src", type=Path, default=SOURCE_DIR, help="folder holding the function packages")
    parser.add_argument("--terraform", action="store_true", help="hashicorp/external protocol (query on stdin)")
    args = parser.parse_args(argv)
    try:
        if args.terraform:
            query = read_query(sys.stdin.read())
            out = Path(query["out"]) if query.get("out") else args.out
            print(json.dumps(terraform_result(build(out, args.src))))
        else:
            print(json.dumps(build(args.out, args.src), indent=2))
    except (PackagingError, OSError, ValueError) as err:
        print(f"package.py: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
