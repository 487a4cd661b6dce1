"""scripts/package.py: one zip per function, byte-identical whatever the checkout's timestamps, modes and caches."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import package
import pytest

ROOT = Path(__file__).parents[2]
FUNCTIONS_DIR = ROOT / "functions"
SCRIPT = ROOT / "scripts" / "package.py"


def checkout(destination: Path) -> Path:
    """A copy of functions/ as a fresh clone would have it (no caches)."""
    shutil.copytree(FUNCTIONS_DIR, destination, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))
    return destination


def sources(src: Path, function: str) -> dict[str, bytes]:
    """What the zip must hold: the function's package and the shared packages, by archive name."""
    found = {}
    for package_name in (function, *package.shared_packages(function)):
        for path in (src / package_name).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and not path.name.startswith("."):
                found[path.relative_to(src).as_posix()] = path.read_bytes()
    return found


def run_script(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], input=stdin, capture_output=True, text=True, check=False, timeout=60
    )


def test_builds_from_differently_touched_checkouts_are_byte_identical(tmp_path: Path) -> None:
    first = checkout(tmp_path / "first")
    second = checkout(tmp_path / "second")
    # The second checkout differs in everything that must not matter: times, modes, caches, dotfiles, line endings.
    for number, path in enumerate(sorted(p for p in second.rglob("*") if p.is_file())):
        if path.suffix == ".py":
            path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
        path.chmod(0o755 if number % 2 else 0o600)
        os.utime(path, (1_000_000_000 + number * 86_400, 1_000_000_000 + number * 86_400))
    for function in (*package.FUNCTIONS, *package.all_shared_packages()):
        (second / function / "__pycache__").mkdir()
        (second / function / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"\x00compiled")
        (second / function / "stale.pyc").write_bytes(b"\x00compiled")
        (second / function / ".DS_Store").write_bytes(b"finder")
        (second / function / ".mypy_cache").mkdir()
        (second / function / ".mypy_cache" / "cache.json").write_text("{}")

    built_first = package.build(tmp_path / "out-first", first)
    built_second = package.build(tmp_path / "out-second", second)

    for function in package.FUNCTIONS:
        a = Path(str(built_first[function]["path"])).read_bytes()
        b = Path(str(built_second[function]["path"])).read_bytes()
        assert a == b, function
        assert built_first[function]["source_code_hash"] == built_second[function]["source_code_hash"]


@pytest.mark.parametrize("function", package.FUNCTIONS)
def test_zip_holds_exactly_the_function_and_shared_packages_with_fixed_metadata(tmp_path: Path, function: str) -> None:
    src = checkout(tmp_path / "functions")
    (src / function / "__pycache__").mkdir()
    (src / function / "__pycache__" / "x.pyc").write_bytes(b"\x00")
    built = package.build(tmp_path / "out", src)

    with zipfile.ZipFile(str(built[function]["path"])) as archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        assert names == sorted(names)
        assert {name: archive.read(name) for name in names} == sources(src, function)
    assert f"{function}/handler.py" in names
    assert "pipeline_core/contract.json" in names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    assert not [name for name in names if any(other in name for other in package.FUNCTIONS if other != function)]
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.external_attr >> 16 == stat.S_IFREG | 0o644
        assert info.create_system == 3
        assert info.compress_type == zipfile.ZIP_DEFLATED


@pytest.mark.parametrize("function", package.FUNCTIONS)
def test_zip_imports_on_its_own_as_lambda_loads_it(tmp_path: Path, function: str) -> None:
    built = package.build(tmp_path / "out", checkout(tmp_path / "functions"))
    task_root = tmp_path / "task"
    with zipfile.ZipFile(str(built[function]["path"])) as archive:
        archive.extractall(task_root)
    probe = f"import {function}.handler as h, pipeline_core.contract as c; print(h.__file__, c.CONTRACT.media_formats)"
    # Lambda puts the extracted zip first on sys.path and provides boto3; the repository is not on the path.
    env = {**os.environ, "PYTHONPATH": str(task_root), "AWS_DEFAULT_REGION": "us-east-1"}
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=task_root, env=env, capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith(str(task_root))


def test_result_describes_each_zip_as_terraform_wants_it(tmp_path: Path) -> None:
    built = package.build(tmp_path / "out", checkout(tmp_path / "functions"))
    assert list(built) == list(package.FUNCTIONS)
    for function, details in built.items():
        data = Path(str(details["path"])).read_bytes()
        assert details["path"] == str(tmp_path / "out" / f"{function}.zip")
        assert details["size"] == len(data)
        # Terraform's filebase64sha256(): base64 of the raw SHA-256 digest.
        assert details["source_code_hash"] == base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(f"{f}.zip" for f in package.FUNCTIONS)


def test_unchanged_zip_is_not_rewritten_and_a_changed_one_is(tmp_path: Path) -> None:
    src = checkout(tmp_path / "functions")
    out = tmp_path / "out"
    first = package.build(out, src)
    zip_path = out / "start_transcription.zip"
    os.utime(zip_path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))

    assert package.build(out, src) == first
    assert zip_path.stat().st_mtime_ns == 1_000_000_000_000_000_000

    with (src / "start_transcription" / "handler.py").open("a") as handler:
        handler.write("# changed\n")
    changed = package.build(out, src)
    assert zip_path.stat().st_mtime_ns != 1_000_000_000_000_000_000
    assert changed["start_transcription"]["source_code_hash"] != first["start_transcription"]["source_code_hash"]
    assert changed["illustrate_scenes"] == first["illustrate_scenes"]
    assert changed["presign_upload"] == first["presign_upload"]
    assert stat.S_IMODE(zip_path.stat().st_mode) == 0o644


def test_missing_handler_is_an_error_naming_the_file(tmp_path: Path) -> None:
    src = checkout(tmp_path / "functions")
    (src / "illustrate_scenes" / "handler.py").unlink()
    with pytest.raises(package.PackagingError, match=r"illustrate_scenes/handler\.py"):
        package.build(tmp_path / "out", src)


def test_command_line_prints_the_description_as_json(tmp_path: Path) -> None:
    src = checkout(tmp_path / "functions")
    result = run_script("--src", str(src), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == package.build(tmp_path / "out", src)


def test_terraform_mode_reads_out_from_the_query_and_prints_flat_strings(tmp_path: Path) -> None:
    src = checkout(tmp_path / "functions")
    out = tmp_path / "from-query"
    result = run_script(
        "--terraform", "--src", str(src), "--out", str(tmp_path / "unused"), stdin=json.dumps({"out": str(out)})
    )
    assert result.returncode == 0, result.stderr
    flat = json.loads(result.stdout)
    built = package.build(out, src)
    assert flat == {
        f"{function}_{field}": str(built[function][name])
        for function in package.FUNCTIONS
        for field, name in (("path", "path"), ("hash", "source_code_hash"), ("size", "size"))
    }
    assert all(isinstance(value, str) for value in flat.values())
    assert not (tmp_path / "unused").exists()


def test_terraform_mode_prints_every_key_the_module_reads_and_each_zip_is_deployed(tmp_path: Path) -> None:
    """main.tf reads <function>_path and <function>_hash of the external data source for each function it deploys."""
    read = set(re.findall(r'data\.external\.package\.result\["([^"]+)"\]', (ROOT / "main.tf").read_text()))
    assert read == {f"{function}_{field}" for function in package.FUNCTIONS for field in ("path", "hash")}
    result = run_script("--terraform", "--out", str(tmp_path / "out"), stdin="{}")
    assert result.returncode == 0, result.stderr
    assert read <= set(json.loads(result.stdout))


def test_terraform_mode_without_out_uses_the_command_line_directory(tmp_path: Path) -> None:
    src = checkout(tmp_path / "functions")
    result = run_script("--terraform", "--src", str(src), "--out", str(tmp_path / "out"), stdin="{}")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["start_transcription_path"] == str(tmp_path / "out" / "start_transcription.zip")


@pytest.mark.parametrize(("stdin", "message"), [('{"output": "x"}', "output"), ("[1]", "JSON object"), ("{", "")])
def test_terraform_mode_rejects_a_bad_query_on_stderr(tmp_path: Path, stdin: str, message: str) -> None:
    result = run_script("--terraform", "--src", str(tmp_path), "--out", str(tmp_path / "out"), stdin=stdin)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "package.py:" in result.stderr
    assert message in result.stderr


def test_the_subtitle_writer_goes_only_into_the_zips_that_use_it(tmp_path: Path) -> None:
    built = package.build(tmp_path / "out")
    names = {f: set(zipfile.ZipFile(str(built[f]["path"])).namelist()) for f in package.FUNCTIONS}
    assert {"subtitle_writer/writer.py", "subtitle_writer/profiles.json"} <= names["illustrate_scenes"]
    assert not any(n.startswith("subtitle_writer/") for n in names["start_transcription"] | names["presign_upload"])
