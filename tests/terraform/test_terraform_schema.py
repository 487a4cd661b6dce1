"""The committed provider schemas cover every type the repository uses, are well formed, and the script that
derives them from the CDKTF bindings reads those bindings correctly (checked on a small excerpt, no wheel)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import generate_provider_schema as gen
import pytest
from harness.install import PROVIDERS
from harness.schema import load_schema

pytestmark = pytest.mark.terraform

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = {spec.name: load_schema(spec.schema) for spec in PROVIDERS}
BUILT_IN = {"terraform_data"}  # served by Terraform itself


def _served(kind: str, type_name: str) -> bool:
    schema = SCHEMAS.get(type_name.split("_", 1)[0])  # aws_s3_bucket -> aws, external -> external
    if schema is None:
        return False
    return type_name in (schema.resources if kind == "resource" else schema.data_sources)


def test_every_resource_and_data_source_in_the_repository_is_in_a_served_schema() -> None:
    used = gen.repository_types(REPO)
    assert used["resource"], "no resource found in the repository's .tf files"
    missing = [f"{kind} {t}" for kind, types in used.items() for t in sorted(types - BUILT_IN) if not _served(kind, t)]
    assert not missing, f"not in tests/terraform/schemas (run scripts/generate_provider_schema.py): {missing}"


def test_the_candidate_types_are_in_the_aws_schema() -> None:
    aws = SCHEMAS["aws"]
    assert set(gen.CANDIDATE_RESOURCES) <= set(aws.resources)
    assert set(gen.CANDIDATE_DATA_SOURCES) <= set(aws.data_sources)


def _problems(block: dict[str, Any], where: str) -> list[str]:
    problems = []
    for name, attribute in block.get("attributes", {}).items():
        flags = (bool(attribute.get("required")), bool(attribute.get("optional")), bool(attribute.get("computed")))
        if flags not in {(True, False, False), (False, True, False), (False, True, True), (False, False, True)}:
            problems.append(f"{where}.{name}: required/optional/computed {flags}")
        if ("type" in attribute) == ("nested_type" in attribute):
            problems.append(f"{where}.{name}: needs exactly one of type and nested_type")
    for name, nested in block.get("block_types", {}).items():
        if nested.get("nesting_mode") not in {"single", "group", "list", "set", "map"}:
            problems.append(f"{where}.{name}: nesting_mode {nested.get('nesting_mode')!r}")
        problems += _problems(nested.get("block", {}), f"{where}.{name}")
    return problems


@pytest.mark.parametrize("provider", sorted(SCHEMAS))
def test_schema_files_are_well_formed(provider: str) -> None:
    schema = SCHEMAS[provider]
    assert schema.address == f"registry.terraform.io/hashicorp/{provider}"
    problems = _problems(schema.provider["block"], "provider")
    for kind, types in (("resource", schema.resources), ("data", schema.data_sources)):
        for type_name, type_schema in types.items():
            problems += _problems(type_schema["block"], f"{kind}.{type_name}")
    assert not problems


def test_override_facts_are_in_the_aws_schema() -> None:
    aws = SCHEMAS["aws"]
    key = aws.resources["aws_api_gateway_api_key"]["block"]["attributes"]["value"]
    assert key.get("sensitive")
    assert key.get("computed")
    bucket = aws.resources["aws_s3_bucket"]["block"]["attributes"]
    assert bucket["bucket"].get("computed")
    assert bucket["bucket_prefix"].get("computed")
    assert aws.provider["block"]["block_types"]["default_tags"].get("max_items") == 1


# A trimmed excerpt of the CDKTF binding of a resource, in the generator's input format.
BINDING_JS = """\
function thingRuleToHclTerraform(struct) {
    const attrs = {
        days: {
            value: cdktf.numberToHclTerraform(struct.days),
            isBlock: false,
            type: "simple",
            storageClassType: "number",
        },
        events: {
            value: cdktf.listMapperHcl(cdktf.stringToHclTerraform, false)(struct.events),
            isBlock: false,
            type: "set",
            storageClassType: "stringList",
        },
    };
}
class ThingRuleOutputReference extends cdktf.ComplexObject {
    // rule_arn - computed: true, optional: false, required: false
    get ruleArn() {
        return this.getStringAttribute('rule_arn');
    }
}
class Thing extends cdktf.TerraformResource {
    constructor(scope, id, config) {
        // rule - computed: false, optional: false, required: true
        this._rule = new ThingRuleList(this, "rule", false);
        // limits - computed: true, optional: false, required: false
        this._limits = new ThingLimitsList(this, "limits", false);
    }
    // arn - computed: true, optional: false, required: false
    get arn() {
        return this.getStringAttribute('arn');
    }
    synthesizeHclAttributes() {
        const attrs = {
            name: {
                value: cdktf.stringToHclTerraform(this._name),
                isBlock: false,
                type: "simple",
                storageClassType: "string",
            },
            tags: {
                value: cdktf.hashMapperHcl(cdktf.stringToHclTerraform)(this._tags),
                isBlock: false,
                type: "map",
                storageClassType: "stringMap",
            },
            rule: {
                value: cdktf.listMapperHcl(thingRuleToHclTerraform, true)(this._rule.internalValue),
                isBlock: true,
                type: "list",
                storageClassType: "ThingRuleList",
            },
        };
    }
}
class ThingLimitsOutputReference extends cdktf.ComplexObject {
    // burst - computed: true, optional: false, required: false
    get burst() {
        return this.getNumberAttribute('burst');
    }
}
Thing.tfResourceType = "aws_thing";
"""
BINDING_DTS = """\
export interface ThingConfig extends cdktf.TerraformMetaArguments {
    readonly name: string;
    readonly tags?: {
        [key: string]: string;
    };
    readonly rule: ThingRule[] | cdktf.IResolvable;
}
export interface ThingRule {
    readonly days?: number;
    readonly events: string[];
}
"""


def test_generator_translates_a_binding_into_a_terraform_schema() -> None:
    sources = gen.Sources()
    sources.add_js(BINDING_JS)
    sources.add_dts(BINDING_DTS)
    assert sources.type_classes == {"aws_thing": "Thing"}
    block = gen.Translator(sources, "aws_thing", data_source=False).top_level("Thing")
    assert block["attributes"] == {
        "name": {"type": "string", "required": True},
        "tags": {"type": ["map", "string"], "optional": True},
        "arn": {"type": "string", "computed": True},
        "limits": {"type": ["list", ["object", {"burst": "number"}]], "computed": True},
    }
    rule = block["block_types"]["rule"]
    assert rule["nesting_mode"] == "list"
    assert rule["min_items"] == 1
    assert "max_items" not in rule
    assert rule["block"]["attributes"] == {
        "days": {"type": "number", "optional": True},
        "events": {"type": ["set", "string"], "required": True},
        "rule_arn": {"type": "string", "computed": True},
    }


def test_generator_overrides_mark_name_prefix_pairs_and_data_source_arguments_computed() -> None:
    resource: dict[str, Any] = {
        "attributes": {
            "name": {"type": "string", "optional": True},
            "name_prefix": {"type": "string", "optional": True},
            "role": {"type": "string", "required": True},
        }
    }
    gen.apply_overrides("aws_thing", resource, data_source=False)
    assert resource["attributes"]["name"].get("computed")
    assert resource["attributes"]["name_prefix"].get("computed")
    assert not resource["attributes"]["role"].get("computed")
    data: dict[str, Any] = {"attributes": {"filter": {"type": "string", "optional": True}}}
    gen.apply_overrides("aws_thing", data, data_source=True)
    assert data["attributes"]["filter"].get("computed")
