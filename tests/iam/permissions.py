"""Recorded AWS calls -> the IAM requests AWS would authorize them with, from the table in call_permissions.json.

`requirements(call, deployment)` turns one call (service, operation, parameters, HTTP status) into `Requirement`s:
which role (the caller's, or the data-access role Transcribe is handed) must be allowed which action on which ARN,
with which condition keys. The ARNs are those of the rendered deployment: the call's bucket is mapped to the bucket of
the same role (audio, transcript, image) in the deployment the policies were rendered for.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from iam.policy import Request

TABLE_PATH = Path(__file__).with_name("call_permissions.json")
TABLE: dict[str, Any] = json.loads(TABLE_PATH.read_text(encoding="utf-8"))

CALLER = "caller"
DATA_ACCESS = "data_access"
# Cross-Region inference profile ids (main.tf, local.inference_profile_prefix).
_PROFILE = re.compile(r"^(us|us-gov|eu|apac|jp|au|ca|global)\.")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


class UncoveredCall(LookupError):
    """A call the table has no entry for: add its row to call_permissions.json."""


@dataclass(frozen=True)
class Call:
    function: str  # start_transcription, illustrate_scenes, ...
    service: str  # botocore service name: s3, transcribe, bedrock-runtime
    operation: str  # API operation: GetObject, StartTranscriptionJob
    params: Mapping[str, Any]
    status: int | None = None  # HTTP status of the answer, None when unknown (a stand-in)
    region: str | None = None  # Region of the client that made the call

    @property
    def key(self) -> str:
        return f"{self.service}:{self.operation}"

    def as_json(self) -> dict[str, Any]:
        return {
            "function": self.function,
            "service": self.service,
            "operation": self.operation,
            "params": _jsonable(self.params),
            "status": self.status,
            "region": self.region,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Call:
        return cls(data["function"], data["service"], data["operation"], data["params"], data["status"], data["region"])


@dataclass(frozen=True)
class Deployment:
    """The account, Region and resources the policies were rendered for, and how recorded names map onto them."""

    partition: str
    region: str
    account: str
    dns_suffix: str
    bucket_arns: Mapping[str, str]  # bucket role (audio, transcript, image) -> rendered ARN
    bucket_roles: Mapping[str, str] = field(default_factory=dict)  # recorded bucket name -> bucket role
    kms_key_arn: str | None = None
    data_access_role_arn: str | None = None
    home_region: str | None = None  # Region the recorded functions ran in (maps onto `region`)

    def bucket_arn(self, bucket: str) -> str:
        role = self.bucket_roles.get(bucket)
        if role is None:
            raise UncoveredCall(f"bucket {bucket!r} is none of the deployment's buckets ({sorted(self.bucket_roles)})")
        return self.bucket_arns[role]


@dataclass(frozen=True)
class Requirement:
    principal: str  # CALLER or DATA_ACCESS
    request: Request
    row: str  # which table row asked for it, for messages


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return f"<{type(value).__name__}>"  # bodies and streams: their content never decides a permission


def _param(params: Mapping[str, Any], path: str) -> Any:
    value: Any = params
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _s3_location(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    if parsed.scheme == "s3":
        return parsed.netloc, unquote(parsed.path.lstrip("/"))
    bucket, _, key = parsed.path.lstrip("/").partition("/")  # https://s3.<region>.amazonaws.com/<bucket>/<key>
    return bucket, unquote(key)


def _model_arns(model_id: str, partition: str, region: str, account: str) -> list[str]:
    if model_id.startswith("arn:"):
        return [model_id]
    if _PROFILE.match(model_id):
        base = _PROFILE.sub("", model_id)
        return [
            f"arn:{partition}:bedrock:{region}:{account}:inference-profile/{model_id}",
            f"arn:{partition}:bedrock:{region}::foundation-model/{base}",
        ]
    return [f"arn:{partition}:bedrock:{region}::foundation-model/{model_id}"]


def derived(call: Call, deployment: Deployment) -> dict[str, Any]:
    """The values the table's placeholders may name besides the call's own parameters (see `derived` there)."""
    d = deployment
    call_region = d.region if call.region in (None, d.home_region) else call.region
    values: dict[str, Any] = {
        "partition": d.partition,
        "region": d.region,
        "call_region": call_region,
        "account": d.account,
        "dns_suffix": d.dns_suffix,
        "kms_key_arn": d.kms_key_arn,
    }
    bucket, key = call.params.get("Bucket"), call.params.get("Key")
    if isinstance(bucket, str):
        values["bucket_arn"] = d.bucket_arn(bucket)
        if isinstance(key, str):
            values["object_arn"] = f"{values['bucket_arn']}/{key}"
    uri = _param(call.params, "Media.MediaFileUri")
    if isinstance(uri, str):
        media_bucket, media_key = _s3_location(uri)
        values["media_bucket_arn"] = d.bucket_arn(media_bucket)
        values["media_object_arn"] = f"{values['media_bucket_arn']}/{media_key}"
    output_bucket = call.params.get("OutputBucketName")
    if isinstance(output_bucket, str):
        values["output_bucket_arn"] = d.bucket_arn(output_bucket)
        output_key = str(call.params.get("OutputKey") or f"{call.params.get('TranscriptionJobName')}.json")
        stem = output_key.rpartition(".")[0] if output_key.endswith(".json") else output_key
        folder = output_key.rpartition("/")[0] + "/" if "/" in output_key else ""
        formats = list(_param(call.params, "Subtitles.Formats") or [])
        keys = [output_key, *(f"{stem}.{fmt}" for fmt in formats), f"{folder}.write_access_check_file.temp"]
        values["output_object_arns"] = [f"{values['output_bucket_arn']}/{k}" for k in keys]
    model_id = call.params.get("modelId")
    if isinstance(model_id, str):
        values["model_arns"] = _model_arns(model_id, d.partition, call_region, d.account)
    if call.service == "events":
        buses = {str(entry.get("EventBusName") or "default") for entry in call.params.get("Entries", [])}
        values["event_bus_arns"] = [
            bus if bus.startswith("arn:") else f"arn:{d.partition}:events:{call_region}:{d.account}:event-bus/{bus}"
            for bus in sorted(buses)
        ]
    return values


def _applies(when: Mapping[str, Any], call: Call, deployment: Deployment) -> bool:
    for test, expected in when.items():
        if test == "present" and _param(call.params, expected) in (None, ""):
            return False
        if test == "absent" and _param(call.params, expected) not in (None, ""):
            return False
        if test == "status" and call.status != expected:
            return False
        if test == "kms" and (deployment.kms_key_arn is not None) != bool(expected):
            return False
        if test == "equals" and any(_param(call.params, path) != value for path, value in expected.items()):
            return False
        if test == "succeeded" and (call.status is not None and call.status >= 300) == bool(expected):
            return False
        if test == "not_function" and call.function in expected:
            return False
        if test not in ("present", "absent", "status", "kms", "equals", "succeeded", "not_function"):
            raise ValueError(f"call_permissions.json: unknown `when` test {test!r}")
    return True


def _fill(template: str, values: Mapping[str, Any], params: Mapping[str, Any]) -> list[str]:
    """Every string the template names; a placeholder holding a list gives one string per element."""
    names = _PLACEHOLDER.findall(template)
    options: list[list[str]] = []
    for name in names:
        value = values[name] if name in values else _param(params, name)
        if value is None:
            raise UncoveredCall(f"placeholder {{{name}}} has no value for this call")
        options.append([str(v) for v in value] if isinstance(value, list) else [str(value)])
    filled = []
    for combination in itertools.product(*options):
        text = template
        for name, value in zip(names, combination, strict=True):
            text = text.replace("{" + name + "}", value, 1)
        filled.append(text)
    return filled


def requirements(call: Call, deployment: Deployment, table: Mapping[str, Any] = TABLE) -> list[Requirement]:
    rows: Sequence[Mapping[str, Any]] | None = table["calls"].get(call.key)
    if rows is None:
        raise UncoveredCall(f"{call.key} (by {call.function}) has no entry in {TABLE_PATH.name}")
    values = derived(call, deployment)
    needed: list[Requirement] = []
    for index, row in enumerate(rows):
        if not _applies(row.get("when", {}), call, deployment):
            continue
        actions = [row["action"]] if isinstance(row["action"], str) else list(row["action"])
        principals = row.get("principals", [CALLER])
        if DATA_ACCESS in principals and not _param(call.params, "JobExecutionSettings.DataAccessRoleArn"):
            principals = [p for p in principals if p != DATA_ACCESS]
        context_options = {k: _fill(v, values, call.params) for k, v in row.get("context", {}).items()}
        combos = itertools.product(*context_options.values())
        contexts = [dict(zip(context_options, combo, strict=True)) for combo in combos]
        for principal, action, resource, context in itertools.product(
            principals, actions, _fill(row["resource"], values, call.params), contexts or [{}]
        ):
            needed.append(Requirement(principal, Request(action, resource, context), f"{call.key}[{index}]"))
    return needed
