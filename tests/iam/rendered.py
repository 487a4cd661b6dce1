"""The identity policies the module renders for its roles, read from `terraform test -verbose -json` against the
offline provider with the test mock values (tests/terraform/mocks), for a few configurations.

Rendering takes a Terraform init and apply (tens of seconds on a shared machine), so the result is kept in
build/iam-policies/<hash of every .tf file, the functions' JSON tables and this file>.json and reused until any
of them changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iam.permissions import Deployment

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / "build" / "iam-policies"
PARTITION, REGION, ACCOUNT, DNS_SUFFIX = "aws", "eu-west-1", "123456789012", "amazonaws.com"  # mocks/aws
BUCKETS = {"audio": "talks-audio", "transcript": "talks-transcripts", "image": "talks-images"}
KMS_KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
DATA_ACCESS_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/talks-transcribe-data-access"

# run name -> variables of that configuration (on top of `name` and the buckets).
CONFIGURATIONS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "kms": {"create_kms_key": True},
}

_OVERRIDES = "\n".join(
    [
        *(
            f'override_resource {{\n  target = module.bucket["{role}"].aws_s3_bucket.this\n'
            f'  values = {{ arn = "arn:aws:s3:::{name}", bucket = "{name}" }}\n}}\n'
            for role, name in BUCKETS.items()
        ),
        *(
            f'override_resource {{\n  target = {target}\n  values = {{ arn = "{arn}" }}\n}}\n'
            for target, arn in (
                ("aws_kms_key.this", KMS_KEY_ARN),
                ("aws_iam_role.transcribe_data_access", DATA_ACCESS_ROLE_ARN),
            )
        ),
    ]
)


def _test_file() -> str:
    buckets = "\n".join(f'    {role} = {{ name = "{name}" }}' for role, name in BUCKETS.items())
    runs = []
    for run, variables in CONFIGURATIONS.items():
        body = "\n".join(f"    {name} = {json.dumps(value)}" for name, value in variables.items())
        runs.append(f'run "{run}" {{\n  command = apply\n  variables {{\n{body}\n  }}\n}}\n')
    return (
        "# Written by tests/iam/rendered.py: renders the module's policies for the IAM coverage test.\n"
        'mock_provider "aws" {\n  source = "./tests/terraform/mocks/aws"\n}\n\n'
        'mock_provider "external" {\n  source = "./tests/terraform/mocks/external"\n}\n\n'
        f'variables {{\n  name = "talks"\n  buckets = {{\n{buckets}\n  }}\n}}\n\n{_OVERRIDES}\n' + "\n".join(runs)
    )


@dataclass(frozen=True)
class Rendered:
    """One configuration's roles (named after their function's handler package, plus data_access and upload_api)
    and their policy documents."""

    policies: Mapping[str, Mapping[str, Any]]
    deployment: Deployment


def _fingerprint() -> str:
    digest = hashlib.sha256(_test_file().encode())
    files = sorted(REPO.glob("*.tf")) + sorted(REPO.glob("modules/*/*.tf"))
    # The tables Terraform reads with jsondecode(file()) (contract, model catalogue, subtitle profiles, ...) shape the
    # policies too.
    files += [*sorted(REPO.glob("functions/*/*.json")), Path(__file__)]
    for path in files:
        digest.update(path.relative_to(REPO).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _resources(module: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _resources(child)


def roles_of_state(state: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Role name -> policy document: each Lambda function's role by its handler's package, plus the two others."""
    resources = list(_resources(state["root_module"]))
    roles = {r["values"]["arn"]: r["values"] for r in resources if r["type"] == "aws_iam_role"}
    policies: dict[str, list[dict[str, Any]]] = {}
    for r in resources:
        if r["type"] == "aws_iam_role_policy":
            policies.setdefault(r["values"]["role"], []).append(json.loads(r["values"]["policy"]))

    def documents(role: Mapping[str, Any]) -> dict[str, Any]:
        found = policies.get(role["id"], []) + policies.get(role["name"], [])
        return {"Version": "2012-10-17", "Statement": [s for doc in found for s in doc["Statement"]]}

    named: dict[str, dict[str, Any]] = {}
    for r in resources:
        if r["type"] == "aws_lambda_function":
            package = r["values"]["handler"].split(".")[0]
            named[package] = documents(roles[r["values"]["role"]])
    for r in resources:
        address = r["address"]
        if r["type"] == "aws_iam_role" and address.startswith("aws_iam_role.transcribe_data_access"):
            named["data_access"] = documents(r["values"])
        if r["type"] == "aws_iam_role" and address == "module.upload_api.aws_iam_role.this":
            named["upload_api"] = documents(r["values"])
    return named


def _render() -> dict[str, dict[str, Any]]:
    sys.path.insert(0, str(REPO / "tests" / "terraform"))
    from harness.runner import Terraform
    from harness.workspace import assert_success, copy_repo

    with tempfile.TemporaryDirectory(prefix="iam-render-") as tmp:
        root = Path(tmp)
        terraform = Terraform.setup(root / "harness")
        repo = copy_repo(root / "repo")
        (repo / "tests/terraform/iam_render.tftest.hcl").write_text(_test_file(), encoding="utf-8")
        assert_success(terraform.init(repo, "-test-directory=tests/terraform"))
        result = terraform.run(
            repo,
            "test",
            "-test-directory=tests/terraform",
            "-filter=tests/terraform/iam_render.tftest.hcl",
            "-json",
            "-verbose",
            "-no-color",
        )
        assert_success(result)
    rendered: dict[str, dict[str, Any]] = {}
    for line in result.stdout.splitlines():
        message = json.loads(line)
        if message.get("type") == "test_state":
            rendered[message["@testrun"]] = roles_of_state(message["test_state"])
    missing = set(CONFIGURATIONS) - set(rendered)
    if missing:
        raise RuntimeError(f"terraform test printed no state for {sorted(missing)}:\n{result.stdout[-3000:]}")
    return rendered


def rendered_policies() -> dict[str, Rendered]:
    """Configuration name -> its roles' policies and the deployment they were rendered for (cached, see above)."""
    path = CACHE / f"{_fingerprint()}.json"
    if path.exists():
        raw = json.loads(path.read_text(encoding="utf-8"))
    else:
        raw = _render()
        CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=CACHE, delete=False, suffix=".tmp", encoding="utf-8") as out:
            json.dump(raw, out, indent=1, sort_keys=True)
        os.replace(out.name, path)  # atomic: parallel workers may render at the same time
    return {
        run: Rendered(policies, deployment(kms=bool(CONFIGURATIONS[run].get("create_kms_key"))))
        for run, policies in raw.items()
    }


def deployment(
    *, kms: bool, bucket_roles: Mapping[str, str] | None = None, home_region: str | None = None
) -> Deployment:
    return Deployment(
        partition=PARTITION,
        region=REGION,
        account=ACCOUNT,
        dns_suffix=DNS_SUFFIX,
        bucket_arns={role: f"arn:{PARTITION}:s3:::{name}" for role, name in BUCKETS.items()},
        bucket_roles=dict(bucket_roles or {}),
        kms_key_arn=KMS_KEY_ARN if kms else None,
        data_access_role_arn=DATA_ACCESS_ROLE_ARN,  # deferred execution is on in every configuration rendered
        home_region=home_region,
    )
