"""Provider schema files and the value rules the stub providers follow.

Values are the msgpack-decoded cty values Terraform sends: dicts for objects and maps, lists for lists, sets and
tuples, `tf.types.Unknown` for unknown values, None for null.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tf.types import Unknown

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"

Block = dict[str, Any]
Namer = Callable[[tuple[str, ...]], str]

ACCOUNT_ID = "123456789012"
POLICY_JSON = '{"Version":"2012-10-17","Statement":[]}'


@dataclass(frozen=True)
class ProviderSchema:
    """One provider's schema: its address and the `provider`/`resource_schemas`/`data_source_schemas` maps."""

    address: str
    provider: dict[str, Any]
    resources: dict[str, dict[str, Any]]
    data_sources: dict[str, dict[str, Any]]

    @property
    def name(self) -> str:
        return self.address.rsplit("/", 1)[-1]


def load_schema(path: Path) -> ProviderSchema:
    document = json.loads(path.read_text(encoding="utf-8"))
    (address, schema), *others = document["provider_schemas"].items()
    if others:
        raise ValueError(f"{path}: expected one provider, found {len(others) + 1}")
    return ProviderSchema(
        address=address,
        provider=schema.get("provider", {"version": 0, "block": {}}),
        resources=schema.get("resource_schemas", {}),
        data_sources=schema.get("data_source_schemas", {}),
    )


def attribute_type(attribute: dict[str, Any]) -> Any:
    """The cty type (JSON form) of an attribute, including nested-attribute types."""
    if "type" in attribute:
        return attribute["type"]
    nested = attribute["nested_type"]
    members = {name: attribute_type(a) for name, a in nested.get("attributes", {}).items()}
    object_type = ["object", members]
    mode = nested.get("nesting_mode", "single")
    return object_type if mode == "single" else [mode, object_type]


def _each_object(mode: str, value: Any, fn: Callable[[Any, str], Any]) -> Any:
    """Apply `fn(object, key)` to every object of a nested block or nested attribute value."""
    if value is None or value is Unknown:
        return value
    if mode in ("single", "group"):
        return fn(value, "")
    if mode in ("list", "set"):
        return [fn(item, str(i)) for i, item in enumerate(value)]
    if mode == "map":
        return {key: fn(item, key) for key, item in value.items()}
    raise ValueError(f"unknown nesting mode {mode!r}")


def mark_unknown(block: Block, value: Any) -> Any:
    """Planned value for a create or update: every null computed attribute becomes unknown (known after apply)."""
    if value is None or value is Unknown:
        return value
    out = dict(value)
    for name, attribute in block.get("attributes", {}).items():
        current = out.get(name)
        if current is None and attribute.get("computed"):
            out[name] = Unknown
        elif "nested_type" in attribute:
            nested = attribute["nested_type"]
            out[name] = _each_object(
                nested.get("nesting_mode", "single"), current, lambda obj, _k, n=nested: mark_unknown(n, obj)
            )
    for name, nested_block in block.get("block_types", {}).items():
        inner = nested_block.get("block", {})
        out[name] = _each_object(
            nested_block["nesting_mode"], out.get(name), lambda obj, _k, b=inner: mark_unknown(b, obj)
        )
    return out


def fill_unknown(block: Block, value: Any, namer: Namer, *, fill_null_computed: bool = False) -> Any:
    """Known value for an apply or a data-source read: unknowns (and, for reads, null computed attributes) get
    deterministic values from `namer`, so repeated runs with the same configuration agree."""
    return _fill_block(block, value, namer, (), fill_null_computed)


def _fill_block(block: Block, value: Any, namer: Namer, path: tuple[str, ...], fill_null: bool) -> Any:
    if value is None:
        return None
    if value is Unknown:
        value = {}
    out = dict(value)
    for name, attribute in block.get("attributes", {}).items():
        current = out.get(name)
        where = (*path, name)
        if current is Unknown or (current is None and fill_null and attribute.get("computed")):
            out[name] = fake_value(attribute_type(attribute), where, namer)
            prefix = out.get(f"{name}_prefix")
            if isinstance(prefix, str) and isinstance(out[name], str):
                # name_prefix = "audio-" gives name = "audio-<digest>", as AWS would.
                out[name] = prefix + out[name].rsplit("-", 1)[-1]
        elif "nested_type" in attribute:
            nested = attribute["nested_type"]
            out[name] = _each_object(
                nested.get("nesting_mode", "single"),
                current,
                lambda obj, key, n=nested, w=where: _fill_block(n, obj, namer, (*w, key) if key else w, fill_null),
            )
        else:
            out[name] = current
    for name, nested_block in block.get("block_types", {}).items():
        where = (*path, name)
        current = out.get(name)
        mode = nested_block["nesting_mode"]
        if current is Unknown:  # a dynamic block whose for_each was unknown during the plan
            current = None if mode in ("single", "group") else ({} if mode == "map" else [])
        inner = nested_block.get("block", {})
        out[name] = _each_object(
            mode,
            current,
            lambda obj, key, b=inner, w=where: _fill_block(b, obj, namer, (*w, key) if key else w, fill_null),
        )
    return out


def fake_value(type_: Any, path: tuple[str, ...], namer: Namer) -> Any:
    """A value of cty type `type_` for the attribute at `path`: empty collections, zero, false, named strings."""
    if type_ == "string":
        return namer(path)
    if type_ == "number":
        return 0
    if type_ == "bool":
        return False
    if isinstance(type_, list):
        kind = type_[0]
        if kind in ("list", "set"):
            return []
        if kind == "map":
            return {}
        if kind == "object":
            return {name: fake_value(t, (*path, name), namer) for name, t in type_[1].items()}
        if kind == "tuple":
            return [fake_value(t, (*path, str(i)), namer) for i, t in enumerate(type_[1])]
    raise ValueError(f"the stub cannot invent a value of type {json.dumps(type_)} for {'.'.join(path)}")


def seed_of(type_name: str, value: Any) -> str:
    """A stable digest of a resource's known values: the same configuration yields the same fake values."""
    canonical = json.dumps(value, sort_keys=True, default=lambda v: "<unknown>" if v is Unknown else repr(v))
    return hashlib.sha256(f"{type_name}\n{canonical}".encode()).hexdigest()


def aws_like_namer(type_name: str, seed: str, region: str) -> Namer:
    """Plausible AWS-shaped strings (ARNs, account ids, JSON policies) so modules that parse them keep working."""
    service = type_name.split("_")[1] if type_name.count("_") >= 1 else type_name

    def name(path: tuple[str, ...]) -> str:
        attribute = path[-1]
        digest = hashlib.sha256(f"{seed}/{'/'.join(path)}".encode()).hexdigest()[:12]
        if attribute == "id":
            return f"{type_name.removeprefix('aws_')}-{digest}"
        if attribute.endswith("arn"):
            return f"arn:aws:{service}:{region}:{ACCOUNT_ID}:{type_name}/{digest}"
        if attribute in ("account_id", "owner_id"):
            return ACCOUNT_ID
        if attribute in ("region", "bucket_region"):
            return region
        if attribute == "partition":
            return "aws"
        if attribute == "dns_suffix":
            return "amazonaws.com"
        if attribute == "reverse_dns_prefix":
            return "com.amazonaws"
        if attribute in ("json", "minified_json", "policy") or attribute.endswith("_policy"):
            return POLICY_JSON
        if attribute.endswith("_date") or attribute == "last_modified":
            return "2025-01-01T00:00:00Z"
        if attribute.endswith("url"):
            return f"https://{digest}.example.com/"
        return f"{attribute}-{digest}"

    return name
