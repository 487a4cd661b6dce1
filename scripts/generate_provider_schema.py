"""Regenerate the provider schemas the offline Terraform harness serves (tests/terraform/schemas/).

The hashicorp/aws provider cannot be downloaded here, so its schema is derived from the CDKTF bindings that were
generated from it: PyPI `cdktf-cdktf-provider-aws` 21.22.1 was built from hashicorp/aws 6.25.0. Its wheel holds a
jsii tarball with one `lib/<resource>/index.js` + `index.d.ts` per resource and data source:

- `<struct>ToHclTerraform` functions (and the resource's `synthesizeHclAttributes`) list every configurable
  attribute and block with its snake_case name, `isBlock`, `type` (simple/list/set/map/struct) and
  `storageClassType` (string, stringList, ...);
- comments `// name - computed: true, optional: false, required: false` mark computed-only attributes;
- `index.d.ts` tells optional (`readonly x?:`) from required, and a single struct type (not an array) is a block
  of at most one item.

What these files cannot express (optional+computed attributes, sensitive values, the provider block's max-1 blocks)
comes from the small override tables below. Only the types the module uses are kept (the repository's .tf files
plus the CANDIDATE_* lists), so the committed JSON stays small. The hashicorp/external schema is written from a literal.

Usage: python scripts/generate_provider_schema.py [--wheel PATH] [--cache-dir DIR] [--out DIR]
Not part of CI: it needs the ~60 MB wheel (downloaded with pip into the cache directory when --wheel is absent).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CDKTF_PACKAGE = "cdktf-cdktf-provider-aws"
CDKTF_VERSION = "21.22.1"  # generated from hashicorp/aws 6.25.0
AWS_PROVIDER = "registry.terraform.io/hashicorp/aws"
EXTERNAL_PROVIDER = "registry.terraform.io/hashicorp/external"

# Types the module is expected to use, kept even before a .tf file mentions them.
CANDIDATE_RESOURCES = [
    "aws_s3_bucket",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_notification",
    "aws_iam_role",
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "aws_lambda_function",
    "aws_lambda_permission",
    "aws_lambda_function_event_invoke_config",
    "aws_lambda_function_recursion_config",
    "aws_cloudwatch_log_group",
    "aws_api_gateway_rest_api",
    "aws_api_gateway_resource",
    "aws_api_gateway_method",
    "aws_api_gateway_integration",
    "aws_api_gateway_method_response",
    "aws_api_gateway_integration_response",
    "aws_api_gateway_deployment",
    "aws_api_gateway_stage",
    "aws_api_gateway_method_settings",
    "aws_api_gateway_gateway_response",
    "aws_api_gateway_api_key",
    "aws_api_gateway_usage_plan",
    "aws_api_gateway_usage_plan_key",
    "aws_api_gateway_account",
    "aws_sqs_queue",
    "aws_sqs_queue_policy",
    "aws_kms_key",
    "aws_kms_alias",
    "aws_kms_key_policy",
    "aws_cloudwatch_metric_alarm",
    "aws_sns_topic",
]
CANDIDATE_DATA_SOURCES = ["aws_caller_identity", "aws_region", "aws_partition", "aws_iam_policy_document"]

# --- Overrides: facts of the real provider the CDKTF files do not carry --------------------------------------
# Optional attributes that are also computed (the provider fills them when unset). Besides this table every
# resource's optional `id`, `region` and `tags_all` are optional+computed, so are name/name_prefix-style pairs
# (`x` next to `x_prefix`), and a data source's top-level arguments unless listed in PLAIN_DATA_SOURCE_ARGUMENTS.
# Validation does not depend on these flags; they decide which values are unknown in a plan and which ones
# `mock_provider` invents, so the values a test sees match the real provider's.
OPTIONAL_COMPUTED: dict[str, set[str]] = {
    "aws_s3_bucket": {"acceleration_status", "acl", "object_lock_enabled", "policy", "request_payer"},
    "aws_iam_role": {"managed_policy_arns"},
    "aws_lambda_function": {"architectures", "source_code_hash"},
    "aws_cloudwatch_log_group": {"log_group_class"},
    "aws_sqs_queue": {
        "deduplication_scope",
        "fifo_throughput_limit",
        "kms_data_key_reuse_period_seconds",
        "policy",
        "redrive_allow_policy",
        "redrive_policy",
        "sqs_managed_sse_enabled",
    },
    "aws_sns_topic": {"policy", "signature_version", "tracing_config"},
    "aws_kms_key": {"description", "multi_region", "policy", "rotation_period_in_days"},
    "aws_api_gateway_rest_api": {
        "api_key_source",
        "binary_media_types",
        "description",
        "disable_execute_api_endpoint",
        "minimum_compression_size",
        "policy",
    },
    "aws_api_gateway_integration": {"cache_namespace", "passthrough_behavior"},
    "aws_api_gateway_api_key": {"value"},
    "aws_cloudwatch_metric_alarm": {"evaluate_low_sample_count_percentiles"},
}
# Data-source arguments the provider never fills (plain optional), exceptions to the data-source rule above.
PLAIN_DATA_SOURCE_ARGUMENTS: dict[str, set[str]] = {
    "aws_iam_policy_document": {"override_policy_documents", "policy_id", "source_policy_documents", "version"},
}
# Attributes whose values Terraform must redact (outputs using them need `sensitive = true`).
SENSITIVE: dict[str, set[str]] = {
    "aws_api_gateway_api_key": {"value"},
}
# The AWS provider block's blocks that allow one item (the bindings render every provider block as a list).
PROVIDER_MAX_ONE_BLOCKS = {"assume_role_with_web_identity", "default_tags", "ignore_tags"}

# hashicorp/external 2.3.x: one data source, no provider arguments.
EXTERNAL_SCHEMA: dict[str, Any] = {
    "provider": {"version": 0, "block": {}},
    "resource_schemas": {},
    "data_source_schemas": {
        "external": {
            "version": 0,
            "block": {
                "attributes": {
                    "id": {"type": "string", "computed": True},
                    "program": {"type": ["list", "string"], "required": True},
                    "query": {"type": ["map", "string"], "optional": True},
                    "result": {"type": ["map", "string"], "computed": True},
                    "working_dir": {"type": "string", "optional": True},
                },
            },
        }
    },
}

# --- Parsing the CDKTF JavaScript ---------------------------------------------------------------------------
# Every pattern is anchored to line starts/ends: one index.d.ts holds a ~90 000-character word, and unanchored
# patterns backtrack over it for minutes.
_TYPE_DECL = re.compile(r"^(\w+)\.tfResourceType = \"(\w+)\";$", re.M)
_FUNCTION = re.compile(r"^function (\w+)ToHclTerraform\(struct\) \{$", re.M)
_CLASS = re.compile(r"^class (\w+) extends ([\w.]+) \{$", re.M)
_ENTRY = re.compile(
    r"^ +(\w+): \{\n +value: ([^\n]+),\n +isBlock: (true|false),\n +type: \"(\w+)\",\n"
    r" +storageClassType: \"(\w+)\",\n",
    re.M,
)
_COMPUTED_GETTER = re.compile(
    r"^ +// (\w+) - computed: true, optional: false, required: false\n +get \w+\(\) \{\n +return ([^\n]+);$",
    re.M,
)
_MEMBER_COMMENT = re.compile(
    r"^ +// (\w+) - computed: (true|false), optional: (true|false), required: (true|false)\n"
    r" +this\._\w+ = new (\w+)\(this, \"\w+\"(?:, (true|false))?\);$",
    re.M,
)
_INTERFACE = re.compile(r"^export interface (\w+)(?: extends [\w.]+)? \{$", re.M)
_DECLARED_CLASS = re.compile(r"^export declare class (\w+) extends cdktf\.Terraform\w+ \{$", re.M)
_CONSTRUCTOR = re.compile(r"^    constructor\(scope: Construct, id: string, config\??: (\w+)\);$", re.M)
_CONFIG_FIELD = re.compile(r"^ +this\._(\w+)(?:\.internalValue)? = config\.(\w+);$", re.M)
_MEMBER = re.compile(r"^    readonly (\w+)(\??): ([^\n]+)$", re.M)  # map types continue on the next lines
_SOURCE_NAME = re.compile(r"\((?:struct|this)\.(\w+)(?:\.internalValue)?\)$")
_STRUCT_FUNCTION = re.compile(r"([\w.]+)ToHclTerraform\b")
_LIST_MAPPER = re.compile(r"listMapperHcl\((?:\(0, )?[\w.]+\)?, (true|false)\)")

_PRIMITIVES = {"string": "string", "number": "number", "boolean": "bool", "any": "dynamic"}
_GETTER_TYPES = [
    (re.compile(r"^this\.getStringAttribute\('\w+'\)$"), "string"),
    (re.compile(r"^this\.getNumberAttribute\('\w+'\)$"), "number"),
    (re.compile(r"^this\.getBooleanAttribute\('\w+'\)$"), "bool"),
    (re.compile(r"^this\.getListAttribute\('\w+'\)$"), ["list", "string"]),
    (re.compile(r"^cdktf\.Fn\.tolist\(this\.getListAttribute\('\w+'\)\)$"), ["set", "string"]),
    (re.compile(r"^this\.getNumberListAttribute\('\w+'\)$"), ["list", "number"]),
    (
        re.compile(r"^cdktf\.Token\.asNumberList\(cdktf\.Fn\.tolist\(this\.getNumberListAttribute\('\w+'\)\)\)$"),
        ["set", "number"],
    ),
    (re.compile(r"^this\.getStringMapAttribute\('\w+'\)$"), ["map", "string"]),
    (re.compile(r"^this\.getNumberMapAttribute\('\w+'\)$"), ["map", "number"]),
    (re.compile(r"^this\.getBooleanMapAttribute\('\w+'\)$"), ["map", "bool"]),
    (re.compile(r"^this\.getAnyMapAttribute\('\w+'\)$"), ["map", "dynamic"]),
    (re.compile(r"^this\.interpolationForAttribute\('\w+'\)$"), "dynamic"),
]


class SchemaError(Exception):
    """The bindings contain a construct this script does not know how to translate."""


def _body(text: str, start: int) -> str:
    """Text of a top-level JavaScript function/class/interface starting at `start`, up to its closing brace."""
    end = text.find("\n}\n", start)
    return text[start : end if end >= 0 else len(text)]


def _cap(name: str) -> str:
    return name[:1].upper() + name[1:]


@dataclass
class Sources:
    """Parsed pieces of one binding directory (index.js + index.d.ts, plus split struct files)."""

    functions: dict[str, str] = field(default_factory=dict)  # struct name -> ToHclTerraform body
    classes: dict[str, tuple[str, str]] = field(default_factory=dict)  # class -> (base, body)
    interfaces: dict[str, dict[str, tuple[bool, str]]] = field(default_factory=dict)  # name -> member -> (opt, ts)
    type_classes: dict[str, str] = field(default_factory=dict)  # terraform type -> class
    config_interfaces: dict[str, str] = field(default_factory=dict)  # class -> its config interface

    def add_js(self, text: str) -> None:
        for m in _FUNCTION.finditer(text):
            self.functions[m.group(1)] = _body(text, m.start())
        for m in _CLASS.finditer(text):
            self.classes[m.group(1)] = (m.group(2), _body(text, m.start()))
        for m in _TYPE_DECL.finditer(text):
            self.type_classes[m.group(2)] = m.group(1)

    def add_dts(self, text: str) -> None:
        for m in _INTERFACE.finditer(text):
            members = {
                mm.group(1): (mm.group(2) == "?", mm.group(3)) for mm in _MEMBER.finditer(_body(text, m.start()))
            }
            self.interfaces[m.group(1)] = members
        for m in _DECLARED_CLASS.finditer(text):
            constructor = _CONSTRUCTOR.search(_body(text, m.start()))
            if constructor:
                self.config_interfaces[m.group(1)] = constructor.group(1)


def _attribute_type(kind: str, storage: str, where: str) -> Any:
    """Terraform type of a configurable attribute from the binding's `type` and `storageClassType`."""
    base = re.match(r"^(string|number|boolean|any)((?:List|Map)*)$", storage)
    if not base:
        raise SchemaError(f"{where}: unknown storage class {storage!r}")
    inner: Any = _PRIMITIVES[base.group(1)]
    wrappers = re.findall(r"List|Map", base.group(2))
    for i, wrapper in enumerate(reversed(wrappers)):
        outermost = i == len(wrappers) - 1
        if wrapper == "Map":
            inner = ["map", inner]
        else:
            inner = [kind if outermost and kind in ("list", "set") else "list", inner]
    if not wrappers and kind != "simple":
        raise SchemaError(f"{where}: {kind} attribute with scalar storage {storage!r}")
    return inner


class Translator:
    def __init__(self, sources: Sources, type_name: str, data_source: bool) -> None:
        self.src = sources
        self.type_name = type_name
        self.data_source = data_source

    def top_level(self, class_name: str) -> dict[str, Any]:
        _, body = self.src.classes[class_name]
        start = body.find("synthesizeHclAttributes() {")
        if start < 0:
            raise SchemaError(f"{self.type_name}: no synthesizeHclAttributes in {class_name}")
        interface = self.src.config_interfaces.get(class_name, f"{class_name}Config")
        # Fields renamed to dodge JavaScript/jsii names (this._self = config.selfAttribute).
        renames = dict(_CONFIG_FIELD.findall(body))
        return self._block(body[start:], interface, body, self.type_name, renames)

    def _block(
        self, entries: str, interface: str, class_body: str, where: str, renames: dict[str, str] | None = None
    ) -> dict[str, Any]:
        members = self.src.interfaces.get(interface)
        if members is None:
            raise SchemaError(f"{where}: interface {interface} not found")
        attributes: dict[str, Any] = {}
        blocks: dict[str, Any] = {}
        for m in _ENTRY.finditer(entries):
            name, value, is_block, kind, storage = m.groups()
            path = f"{where}.{name}"
            source = _SOURCE_NAME.search(value)
            if not source:
                raise SchemaError(f"{path}: cannot read the source field of {value!r}")
            camel = source.group(1).lstrip("_")
            camel = (renames or {}).get(camel, camel)
            if camel not in members:
                raise SchemaError(f"{path}: {camel} missing from interface {interface}")
            optional, ts_type = members[camel]
            if is_block == "false":
                attr: dict[str, Any] = {"type": _attribute_type(kind, storage, path)}
                attr["optional" if optional else "required"] = True
                attributes[name] = attr
                continue
            struct = [s.rsplit(".", 1)[-1] for s in _STRUCT_FUNCTION.findall(value) if not s.startswith("cdktf.")]
            if len(struct) != 1:
                raise SchemaError(f"{path}: cannot find the struct of {value!r}")
            struct_name = _cap(struct[0])
            inner = self._struct(struct_name, path)
            mapper = _LIST_MAPPER.search(value)
            if mapper and mapper.group(1) == "false":
                # A list/set of objects written with block syntax ("attributes as blocks"): an attribute.
                attributes[name] = {"type": [kind, self._object_type(inner)], "optional": True, "computed": True}
                continue
            nested: dict[str, Any] = {"block": inner}
            if kind == "struct":
                nested["nesting_mode"] = "single"
            elif kind == "map":
                nested["nesting_mode"] = "map"
            elif kind in ("list", "set"):
                nested["nesting_mode"] = kind
                if not ts_type.split(" | ")[0].endswith("[]"):
                    nested["max_items"] = 1
                if not optional:
                    nested["min_items"] = 1
            else:
                raise SchemaError(f"{path}: unsupported block kind {kind!r}")
            blocks[name] = nested
        # Computed-only members: getters (primitives, collections) and constructor references (objects).
        for name, expression in _COMPUTED_GETTER.findall(class_body):
            if name in attributes or name in blocks:
                continue
            attributes[name] = {"type": self._getter_type(expression, class_body, f"{where}.{name}"), "computed": True}
        for name, computed, optional, _required, cls, wraps_set in _MEMBER_COMMENT.findall(class_body):
            if computed == "true" and optional == "false" and name not in attributes:
                attributes[name] = {"type": self._reference_type(cls, wraps_set, f"{where}.{name}"), "computed": True}
        result: dict[str, Any] = {}
        if attributes:
            result["attributes"] = attributes
        if blocks:
            result["block_types"] = blocks
        return result

    def _struct(self, struct_name: str, where: str) -> dict[str, Any]:
        function = self.src.functions.get(_lower_first(struct_name))
        if function is None:
            raise SchemaError(f"{where}: function {struct_name}ToHclTerraform not found")
        _, class_body = self.src.classes.get(f"{struct_name}OutputReference", ("", ""))
        return self._block(function, struct_name, class_body, where)

    def _getter_type(self, expression: str, class_body: str, where: str) -> Any:
        for pattern, terraform_type in _GETTER_TYPES:
            if pattern.match(expression):
                return terraform_type
        ref = re.match(r"^this\._(\w+)$", expression)
        if ref:
            ctor = re.search(
                rf"^ +this\._{ref.group(1)} = new (\w+)\(this, \"\w+\"(?:, (true|false))?\);$", class_body, re.M
            )
            if ctor:
                return self._reference_type(ctor.group(1), ctor.group(2) or "", where)
        raise SchemaError(f"{where}: unknown computed getter {expression!r}")

    def _reference_type(self, cls: str, wraps_set: str, where: str) -> Any:
        """Type of a computed-only object attribute from its OutputReference/List/Map class."""
        wrap = re.match(r"^\w+?(OutputReference|List|Map)$", cls)
        if wrap is None:
            raise SchemaError(f"{where}: unknown reference class {cls}")
        kind = wrap.group(1)
        base = cls[: -len(kind)]
        _, body = self.src.classes.get(f"{base}OutputReference", ("", ""))
        if not body:
            raise SchemaError(f"{where}: class {base}OutputReference not found")
        members: dict[str, Any] = {}
        for name, expression in _COMPUTED_GETTER.findall(body):
            members[name] = self._getter_type(expression, body, f"{where}.{name}")
        for name, _c, _o, _r, inner_cls, inner_set in _MEMBER_COMMENT.findall(body):
            members.setdefault(name, self._reference_type(inner_cls, inner_set, f"{where}.{name}"))
        object_type = ["object", members]
        if kind == "OutputReference":
            return object_type
        if kind == "Map":
            return ["map", object_type]
        return ["set" if wraps_set == "true" else "list", object_type]

    def _object_type(self, block: dict[str, Any]) -> Any:
        members = {name: attr["type"] for name, attr in block.get("attributes", {}).items()}
        for name, nested in block.get("block_types", {}).items():
            inner = self._object_type(nested["block"])
            members[name] = inner if nested["nesting_mode"] == "single" else [nested["nesting_mode"], inner]
        return ["object", members]


def _lower_first(name: str) -> str:
    # Struct functions start lower-case: S3BucketCorsRule -> s3BucketCorsRule.
    return name[:1].lower() + name[1:]


def apply_overrides(type_name: str, block: dict[str, Any], data_source: bool) -> None:
    attributes = block.get("attributes", {})
    # The tables name resources; a data source of the same name (data "aws_s3_bucket") follows the generic rules.
    listed = set() if data_source else OPTIONAL_COMPUTED.get(type_name, set())
    sensitive = set() if data_source else SENSITIVE.get(type_name, set())
    optional_computed = set(listed) | {"id", "region", "tags_all"}
    for name in list(attributes):
        if name.endswith("_prefix") and name[: -len("_prefix")] in attributes:
            optional_computed |= {name, name[: -len("_prefix")]}
    if data_source:
        optional_computed |= set(attributes) - PLAIN_DATA_SOURCE_ARGUMENTS.get(type_name, set())
    for name, attr in attributes.items():
        if name in optional_computed and attr.get("optional"):
            attr["computed"] = True
        if name in sensitive:
            attr["sensitive"] = True
    missing = (listed | sensitive) - set(attributes)
    if missing:
        raise SchemaError(f"{type_name}: overrides name unknown attributes {sorted(missing)}")


# --- Inputs -------------------------------------------------------------------------------------------------
_TF_BLOCK = re.compile(r"^\s*(resource|data)\s+\"([\w-]+)\"\s+\"", re.M)
_MOCK_BLOCK = re.compile(r"^\s*(?:mock|override)_(resource|data)\s+\"([\w-]+)\"", re.M)
_SKIPPED_DIRS = {".git", ".venv", ".venv-checkov", ".terraform", ".tf-harness", "node_modules", "build", "__pycache__"}


def repository_types(repo: Path) -> dict[str, set[str]]:
    """Resource and data-source types named in the repository's .tf (and .tftest.hcl) files."""
    found: dict[str, set[str]] = {"resource": set(), "data": set()}
    for directory, subdirectories, files in os.walk(repo):
        subdirectories[:] = sorted(d for d in subdirectories if d not in _SKIPPED_DIRS)
        for file_name in sorted(files):
            if file_name.endswith(".tf"):
                pattern = _TF_BLOCK
            elif file_name.endswith(".tftest.hcl"):
                pattern = _MOCK_BLOCK
            else:
                continue
            text = Path(directory, file_name).read_text(encoding="utf-8")
            for kind, type_name in pattern.findall(text):
                found[kind].add(type_name)
    return found


def download_wheel(cache_dir: Path) -> Path:
    cache_dir.mkdir(parents=True, exist_ok=True)
    pattern = f"cdktf_cdktf_provider_aws-{CDKTF_VERSION}-*.whl"
    existing = sorted(cache_dir.glob(pattern))
    if not existing:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                f"{CDKTF_PACKAGE}=={CDKTF_VERSION}",
                "--no-deps",
                "--disable-pip-version-check",
                "-d",
                str(cache_dir),
            ],
            check=True,
        )
        existing = sorted(cache_dir.glob(pattern))
    if not existing:
        raise SystemExit(f"pip did not leave {pattern} in {cache_dir}")
    return existing[0]


def _binding_dir(type_name: str, data_source: bool) -> str:
    # aws_s3_bucket -> s3-bucket; data aws_region -> data-aws-region
    dashed = type_name.replace("_", "-")
    return f"data-{dashed}" if data_source else dashed.removeprefix("aws-")


def read_bindings(wheel: Path, wanted_dirs: set[str]) -> dict[str, Sources]:
    """Parse the wanted `lib/<dir>/` binding files from the wheel's jsii tarball (streamed, not unpacked)."""
    found: dict[str, Sources] = {}
    with zipfile.ZipFile(wheel) as zf:
        member = next(n for n in zf.namelist() if n.endswith(".jsii.tgz"))
        with zf.open(member) as raw, tarfile.open(fileobj=raw, mode="r|gz") as tar:
            for info in tar:
                parts = info.name.split("/")
                if len(parts) < 4 or parts[:2] != ["package", "lib"] or parts[2] not in wanted_dirs:
                    continue
                if not info.isfile() or not info.name.endswith((".js", ".d.ts")):
                    continue
                handle = tar.extractfile(info)
                if handle is None:
                    continue
                text = handle.read().decode("utf-8")
                sources = found.setdefault(parts[2], Sources())
                if info.name.endswith(".d.ts"):
                    sources.add_dts(text)
                else:
                    sources.add_js(text)
    return found


def build_aws_schema(wheel: Path, resources: set[str], data_sources: set[str]) -> dict[str, Any]:
    wanted = {("resource", t): _binding_dir(t, False) for t in resources}
    wanted |= {("data", t): _binding_dir(t, True) for t in data_sources}
    bindings = read_bindings(wheel, set(wanted.values()) | {"provider"})
    schema: dict[str, Any] = {"resource_schemas": {}, "data_source_schemas": {}}
    for (kind, type_name), directory in sorted(wanted.items()):
        sources = bindings.get(directory)
        if sources is None or type_name not in sources.type_classes:
            raise SchemaError(f"{type_name}: no binding in lib/{directory}/ (not an aws {kind} type?)")
        data_source = kind == "data"
        block = Translator(sources, type_name, data_source).top_level(sources.type_classes[type_name])
        apply_overrides(type_name, block, data_source)
        key = "data_source_schemas" if data_source else "resource_schemas"
        schema[key][type_name] = {"version": 0, "block": block}
    provider_sources = bindings["provider"]
    provider_class = next(name for name, (base, _) in provider_sources.classes.items() if base.endswith("Provider"))
    provider_block = Translator(provider_sources, "provider", False).top_level(provider_class)
    provider_block.get("attributes", {}).pop("alias", None)  # a meta-argument, not part of the schema
    for name, nested in provider_block.get("block_types", {}).items():
        if name in PROVIDER_MAX_ONE_BLOCKS:
            nested["max_items"] = 1
    schema["provider"] = {"version": 0, "block": provider_block}
    return schema


# --- Output -------------------------------------------------------------------------------------------------
def dumps(value: Any, indent: int = 0, width: int = 110) -> str:
    """Sorted JSON with small objects kept on one line: compact, yet each attribute has its own line."""
    flat = json.dumps(value, sort_keys=True)
    if len(flat) + indent <= width or not isinstance(value, (dict, list)) or not value:
        return flat
    pad = " " * (indent + 1)
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(k)}: {dumps(v, indent + 1, width)}" for k, v in sorted(value.items())]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    items = [pad + dumps(v, indent + 1, width) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"


def write_schema(path: Path, provider: str, schema: dict[str, Any]) -> None:
    document = {"format_version": "1.0", "provider_schemas": {provider: schema}}
    path.write_text(dumps(document) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help=f"local {CDKTF_PACKAGE} {CDKTF_VERSION} wheel")
    parser.add_argument("--cache-dir", type=Path, default=REPO / ".tf-harness" / "wheels")
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "terraform" / "schemas")
    args = parser.parse_args(argv)

    types = repository_types(REPO)
    resources = {t for t in types["resource"] if t.startswith("aws_")} | set(CANDIDATE_RESOURCES)
    data_sources = {t for t in types["data"] if t.startswith("aws_")} | set(CANDIDATE_DATA_SOURCES)
    wheel = args.wheel or download_wheel(args.cache_dir)
    aws = build_aws_schema(wheel, resources, data_sources)
    args.out.mkdir(parents=True, exist_ok=True)
    write_schema(args.out / "aws.json", AWS_PROVIDER, aws)
    write_schema(args.out / "external.json", EXTERNAL_PROVIDER, EXTERNAL_SCHEMA)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
