"""The stub provider's rules without Terraform: plans mark computed nulls unknown, applies and reads fill them
deterministically, the external data source runs its program like hashicorp/external, and the served protobuf
schema says what the schema file says."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from harness.schema import ProviderSchema, aws_like_namer, fill_unknown, load_schema, mark_unknown, seed_of
from harness.stub import ProviderError, SchemaServicer, read_external
from tf.gen import tfplugin_pb2 as pb
from tf.types import Unknown
from tf.utils import read_dynamic_value, to_dynamic_value

pytestmark = pytest.mark.terraform

SCHEMAS = Path(__file__).resolve().parent / "schemas"

BLOCK: dict[str, Any] = {
    "attributes": {
        "id": {"type": "string", "optional": True, "computed": True},
        "name": {"type": "string", "optional": True, "computed": True},
        "name_prefix": {"type": "string", "optional": True, "computed": True},
        "size": {"type": "number", "computed": True},
        "tags": {"type": ["map", "string"], "optional": True},
        "role": {"type": "string", "required": True},
    },
    "block_types": {
        "vpc": {
            "nesting_mode": "list",
            "max_items": 1,
            "block": {
                "attributes": {
                    "subnets": {"type": ["set", "string"], "required": True},
                    "vpc_id": {"type": "string", "computed": True},
                }
            },
        }
    },
}


def _namer(value: Any) -> Any:
    return aws_like_namer("aws_thing", seed_of("aws_thing", value), "eu-west-1")


def test_plan_marks_null_computed_attributes_unknown_in_nested_blocks_too() -> None:
    proposed = {
        "id": None,
        "name": None,
        "name_prefix": "audio-",
        "size": None,
        "tags": None,
        "role": "r",
        "vpc": [{"subnets": ["a"], "vpc_id": None}],
    }
    planned = mark_unknown(BLOCK, proposed)
    assert planned["id"] is Unknown
    assert planned["name"] is Unknown
    assert planned["size"] is Unknown
    assert planned["vpc"][0]["vpc_id"] is Unknown
    # Configured values and optional non-computed nulls stay as they are.
    assert planned["name_prefix"] == "audio-"
    assert planned["tags"] is None
    assert planned["role"] == "r"


def test_apply_fills_unknowns_deterministically_and_honours_name_prefix() -> None:
    config = {"name_prefix": "audio-", "role": "r", "vpc": [{"subnets": ["a"]}]}
    planned = mark_unknown(
        BLOCK,
        {"id": None, "name": None, "name_prefix": "audio-", "size": None, "tags": None, "role": "r", "vpc": None},
    )
    first = fill_unknown(BLOCK, planned, _namer(config))
    second = fill_unknown(BLOCK, planned, _namer(config))
    assert first == second
    assert first["name"].startswith("audio-")
    assert first["size"] == 0
    assert Unknown not in first.values()
    other = fill_unknown(BLOCK, planned, _namer({**config, "role": "other"}))
    assert other["id"] != first["id"]


def test_data_source_read_fills_null_computed_but_keeps_configured_values() -> None:
    state = fill_unknown(
        BLOCK,
        {"id": None, "name": "given", "name_prefix": None, "size": None, "tags": None, "role": "r", "vpc": []},
        _namer({}),
        fill_null_computed=True,
    )
    assert state["name"] == "given"
    assert isinstance(state["id"], str)
    assert state["size"] == 0
    assert state["tags"] is None  # not computed: the provider leaves it null


def test_aws_like_values_look_like_aws() -> None:
    name = aws_like_namer("aws_lambda_function", "seed", "eu-west-1")
    assert name(("arn",)).startswith("arn:aws:lambda:eu-west-1:123456789012:")
    assert name(("account_id",)) == "123456789012"
    assert json.loads(name(("json",)))["Version"] == "2012-10-17"


def _program(tmp_path: Path, body: str) -> list[str]:
    script = tmp_path / "program.py"
    script.write_text("import json, sys\nquery = json.load(sys.stdin)\n" + body, encoding="utf-8")
    return [sys.executable, str(script)]


def test_external_passes_the_query_on_stdin_and_returns_the_result(tmp_path: Path) -> None:
    program = _program(tmp_path, "print(json.dumps({'echo': query['word'], 'cwd': __import__('os').getcwd()}))")
    state = read_external({"program": program, "query": {"word": "hi"}, "working_dir": str(tmp_path)})
    assert state["result"] == {"echo": "hi", "cwd": str(tmp_path)}
    assert state["id"] == "-"


def test_external_reports_a_failing_program_with_its_stderr(tmp_path: Path) -> None:
    program = _program(tmp_path, "sys.exit('packaging broke')")
    with pytest.raises(ProviderError) as caught:
        read_external({"program": program, "query": None, "working_dir": None})
    assert caught.value.summary == "External Program Execution Failed"
    assert "packaging broke" in caught.value.detail


def test_external_rejects_output_that_is_not_a_flat_map_of_strings(tmp_path: Path) -> None:
    program = _program(tmp_path, "print(json.dumps({'size': 3}))")
    with pytest.raises(ProviderError, match="Unexpected External Program Results"):
        read_external({"program": program, "query": {}, "working_dir": None})


def _aws() -> ProviderSchema:
    return load_schema(SCHEMAS / "aws.json")


def test_served_schema_matches_the_file() -> None:
    schema = _aws()
    response = SchemaServicer(schema).GetProviderSchema(pb.GetProviderSchema.Request(), None)
    assert set(response.resource_schemas) == set(schema.resources)
    assert set(response.data_source_schemas) == set(schema.data_sources)
    key = next(a for a in response.resource_schemas["aws_api_gateway_api_key"].block.attributes if a.name == "value")
    assert key.sensitive
    assert key.computed
    assert key.optional
    bucket = response.resource_schemas["aws_s3_bucket"].block
    assert json.loads(next(a.type for a in bucket.attributes if a.name == "tags")) == ["map", "string"]


def test_servicer_plans_and_applies_through_msgpack() -> None:
    servicer = SchemaServicer(_aws())
    config = {name: None for name in _aws().resources["aws_sqs_queue"]["block"]["attributes"]}
    config.update(name_prefix="dlq-", message_retention_seconds=1209600)
    planned = read_dynamic_value(
        servicer.PlanResourceChange(
            pb.PlanResourceChange.Request(
                type_name="aws_sqs_queue",
                prior_state=to_dynamic_value(None),
                proposed_new_state=to_dynamic_value(config),
                config=to_dynamic_value(config),
            ),
            None,
        ).planned_state
    )
    assert planned["arn"] is Unknown
    assert planned["url"] is Unknown
    response = servicer.ApplyResourceChange(
        pb.ApplyResourceChange.Request(
            type_name="aws_sqs_queue",
            prior_state=to_dynamic_value(None),
            planned_state=to_dynamic_value(planned),
            config=to_dynamic_value(config),
        ),
        None,
    )
    assert not response.diagnostics
    state = read_dynamic_value(response.new_state)
    assert state["name"].startswith("dlq-")
    assert state["message_retention_seconds"] == 1209600
    assert Unknown not in state.values()


def test_unknown_types_become_error_diagnostics_not_crashes() -> None:
    response = SchemaServicer(_aws()).PlanResourceChange(
        pb.PlanResourceChange.Request(type_name="aws_not_a_thing", proposed_new_state=to_dynamic_value({})), None
    )
    assert response.diagnostics[0].severity == pb.Diagnostic.ERROR
    assert "aws_not_a_thing" in response.diagnostics[0].summary
