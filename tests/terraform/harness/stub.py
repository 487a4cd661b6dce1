"""A Terraform provider plugin (tfplugin6 over gRPC) that serves a recorded schema and fakes the lifecycle.

Terraform itself checks configurations against the schema (unknown arguments, wrong block names, missing required
arguments, types), so `validate` and `test` with `mock_provider` only need GetProviderSchema and the Validate*
calls. Runs without mocks also get a consistent, offline lifecycle:

- PlanResourceChange: the proposed state with null computed attributes marked unknown;
- ApplyResourceChange / ReadDataSource: unknowns replaced by deterministic values derived from the configuration,
  so a second plan over the same configuration shows no change;
- ReadResource / UpgradeResourceState: the stored state, unchanged.

`hashicorp/external`'s data source really runs its program, like the real provider: the query as a JSON object on
stdin, a flat JSON object of strings expected on stdout, an error on a non-zero exit.

Usage (from the launcher Terraform executes): python -m harness.stub --schema FILE
"""

from __future__ import annotations

import argparse
import base64
import functools
import json
import os
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
from tf.gen import grpc_controller_pb2 as controller_pb
from tf.gen import grpc_controller_pb2_grpc as controller_rpc
from tf.gen import grpc_stdio_pb2_grpc as stdio_rpc
from tf.gen import tfplugin_pb2 as pb
from tf.gen import tfplugin_pb2_grpc as rpc
from tf.utils import read_dynamic_value, to_dynamic_value

from harness.schema import (
    ProviderSchema,
    aws_like_namer,
    fill_unknown,
    load_schema,
    mark_unknown,
    seed_of,
)

DataReader = Callable[[dict[str, Any]], dict[str, Any]]

_NESTING = {
    "single": pb.Schema.NestedBlock.SINGLE,
    "group": pb.Schema.NestedBlock.GROUP,
    "list": pb.Schema.NestedBlock.LIST,
    "set": pb.Schema.NestedBlock.SET,
    "map": pb.Schema.NestedBlock.MAP,
}
_OBJECT_NESTING = {
    "single": pb.Schema.Object.SINGLE,
    "list": pb.Schema.Object.LIST,
    "set": pb.Schema.Object.SET,
    "map": pb.Schema.Object.MAP,
}


class ProviderError(Exception):
    """An error reported to Terraform as a diagnostic (summary, detail)."""

    def __init__(self, summary: str, detail: str = "") -> None:
        super().__init__(summary)
        self.summary = summary
        self.detail = detail


# --- Schema file -> protobuf ----------------------------------------------------------------------------------
def _attribute_pb(name: str, attribute: dict[str, Any]) -> pb.Schema.Attribute:
    fields: dict[str, Any] = {
        "name": name,
        "required": bool(attribute.get("required")),
        "optional": bool(attribute.get("optional")),
        "computed": bool(attribute.get("computed")),
        "sensitive": bool(attribute.get("sensitive")),
        "deprecated": bool(attribute.get("deprecated")),
        "description": attribute.get("description", ""),
    }
    if "nested_type" in attribute:
        nested = attribute["nested_type"]
        fields["nested_type"] = pb.Schema.Object(
            attributes=[_attribute_pb(n, a) for n, a in sorted(nested.get("attributes", {}).items())],
            nesting=_OBJECT_NESTING[nested.get("nesting_mode", "single")],
        )
    else:
        fields["type"] = json.dumps(attribute["type"]).encode()
    return pb.Schema.Attribute(**fields)


def block_pb(block: dict[str, Any]) -> pb.Schema.Block:
    return pb.Schema.Block(
        attributes=[_attribute_pb(n, a) for n, a in sorted(block.get("attributes", {}).items())],
        block_types=[
            pb.Schema.NestedBlock(
                type_name=name,
                block=block_pb(nested.get("block", {})),
                nesting=_NESTING[nested["nesting_mode"]],
                min_items=nested.get("min_items", 0),
                max_items=nested.get("max_items", 0),
            )
            for name, nested in sorted(block.get("block_types", {}).items())
        ],
        description=block.get("description", ""),
        deprecated=bool(block.get("deprecated")),
    )


def schema_pb(schema: dict[str, Any]) -> pb.Schema:
    return pb.Schema(version=schema.get("version", 0), block=block_pb(schema.get("block", {})))


# --- hashicorp/external -----------------------------------------------------------------------------------------
def read_external(config: dict[str, Any]) -> dict[str, Any]:
    """`data "external"`: run `program` with the query on stdin and return its flat string map as `result`."""
    program = config.get("program") or []
    if not program or any(part is None for part in program):
        raise ProviderError("External Program Missing", "The data source was configured without a program.")
    query = config.get("query") or {}
    working_dir = config.get("working_dir") or None
    try:
        completed = subprocess.run(
            program, input=json.dumps(query), capture_output=True, text=True, cwd=working_dir, check=False
        )
    except OSError as exc:
        raise ProviderError(
            "External Program Lookup Failed", f"The data source could not run the program {program[0]!r}: {exc}"
        ) from exc
    if completed.returncode != 0:
        raise ProviderError(
            "External Program Execution Failed",
            "The data source received an unexpected error while attempting to execute the program.\n\n"
            f"Program: {program[0]}\nError Message: {completed.stderr.strip()}\n"
            f"State: exit status {completed.returncode}",
        )
    try:
        result = json.loads(completed.stdout)
    except json.JSONDecodeError:
        result = None
    if not isinstance(result, dict) or not all(isinstance(v, str) for v in result.values()):
        raise ProviderError(
            "Unexpected External Program Results",
            "The data source received unexpected results after executing the program.\n\n"
            "Program output must be a JSON encoded map of string keys and string values.\n\n"
            f"Program: {program[0]}\nResult Error: {completed.stdout[:500]!r}",
        )
    return {**config, "id": "-", "query": config.get("query"), "result": result}


DATA_READERS: dict[tuple[str, str], DataReader] = {
    ("registry.terraform.io/hashicorp/external", "external"): read_external,
}


# --- The servicer ---------------------------------------------------------------------------------------------
def _diagnostics(errors: list[ProviderError]) -> list[pb.Diagnostic]:
    return [pb.Diagnostic(severity=pb.Diagnostic.ERROR, summary=e.summary, detail=e.detail) for e in errors]


def _reported(response_type: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Turn exceptions into error diagnostics: Terraform then prints them instead of an opaque gRPC failure."""

    def decorate(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def wrapper(self: SchemaServicer, request: Any, context: grpc.ServicerContext) -> Any:
            try:
                return method(self, request, context)
            except ProviderError as exc:
                return response_type(diagnostics=_diagnostics([exc]))
            except Exception as exc:
                traceback.print_exc(file=sys.stderr)
                detail = "".join(traceback.format_exception(exc))
                error = ProviderError(f"Stub provider {self.schema.name} failed in {method.__name__}", detail)
                return response_type(diagnostics=_diagnostics([error]))

        return wrapper

    return decorate


class SchemaServicer(rpc.ProviderServicer):
    def __init__(self, schema: ProviderSchema, data_readers: dict[tuple[str, str], DataReader] | None = None):
        self.schema = schema
        self.region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        readers = DATA_READERS if data_readers is None else data_readers
        self.data_readers = {t: r for (address, t), r in readers.items() if address == schema.address}
        self._schema_response = pb.GetProviderSchema.Response(
            provider=schema_pb(schema.provider),
            provider_meta=pb.Schema(block=pb.Schema.Block()),
            resource_schemas={n: schema_pb(s) for n, s in schema.resources.items()},
            data_source_schemas={n: schema_pb(s) for n, s in schema.data_sources.items()},
            server_capabilities=pb.ServerCapabilities(plan_destroy=True),
        )

    def _resource_block(self, type_name: str) -> dict[str, Any]:
        if type_name not in self.schema.resources:
            raise ProviderError(f"Unknown resource type {type_name} for provider {self.schema.address}")
        return self.schema.resources[type_name].get("block", {})

    def _namer(self, type_name: str, value: Any) -> Callable[[tuple[str, ...]], str]:
        return aws_like_namer(type_name, seed_of(type_name, value), self.region)

    def GetMetadata(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.GetMetadata.Response(
            server_capabilities=pb.ServerCapabilities(plan_destroy=True),
            resources=[pb.GetMetadata.ResourceMetadata(type_name=t) for t in self.schema.resources],
            data_sources=[pb.GetMetadata.DataSourceMetadata(type_name=t) for t in self.schema.data_sources],
        )

    def GetProviderSchema(self, request: Any, context: grpc.ServicerContext) -> Any:
        return self._schema_response

    def GetFunctions(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.GetFunctions.Response()

    @_reported(pb.ValidateProviderConfig.Response)
    def ValidateProviderConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.ValidateProviderConfig.Response()

    @_reported(pb.ValidateResourceConfig.Response)
    def ValidateResourceConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._resource_block(request.type_name)
        return pb.ValidateResourceConfig.Response()

    @_reported(pb.ValidateDataResourceConfig.Response)
    def ValidateDataResourceConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        if request.type_name not in self.schema.data_sources:
            raise ProviderError(f"Unknown data source {request.type_name} for provider {self.schema.address}")
        return pb.ValidateDataResourceConfig.Response()

    @_reported(pb.ConfigureProvider.Response)
    def ConfigureProvider(self, request: Any, context: grpc.ServicerContext) -> Any:
        config = read_dynamic_value(request.config) or {}
        region = config.get("region")
        if isinstance(region, str) and region:
            self.region = region
        return pb.ConfigureProvider.Response()

    @_reported(pb.UpgradeResourceState.Response)
    def UpgradeResourceState(self, request: Any, context: grpc.ServicerContext) -> Any:
        if not request.raw_state.json:
            raise ProviderError("The stub provider only reads JSON state", "Flatmap state is not supported.")
        # The state was written with this same schema: Terraform decodes the JSON against it.
        return pb.UpgradeResourceState.Response(upgraded_state=pb.DynamicValue(json=request.raw_state.json))

    @_reported(pb.ReadResource.Response)
    def ReadResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.ReadResource.Response(new_state=request.current_state, private=request.private)

    @_reported(pb.PlanResourceChange.Response)
    def PlanResourceChange(self, request: Any, context: grpc.ServicerContext) -> Any:
        block = self._resource_block(request.type_name)
        proposed = read_dynamic_value(request.proposed_new_state)
        planned = None if proposed is None else mark_unknown(block, proposed)
        return pb.PlanResourceChange.Response(planned_state=to_dynamic_value(planned), planned_private=b"")

    @_reported(pb.ApplyResourceChange.Response)
    def ApplyResourceChange(self, request: Any, context: grpc.ServicerContext) -> Any:
        block = self._resource_block(request.type_name)
        planned = read_dynamic_value(request.planned_state)
        if planned is None:  # destroy
            return pb.ApplyResourceChange.Response(new_state=to_dynamic_value(None))
        config = read_dynamic_value(request.config)
        new_state = fill_unknown(block, planned, self._namer(request.type_name, config))
        return pb.ApplyResourceChange.Response(new_state=to_dynamic_value(new_state), private=b"")

    @_reported(pb.ImportResourceState.Response)
    def ImportResourceState(self, request: Any, context: grpc.ServicerContext) -> Any:
        raise ProviderError("Import is not supported by the stub provider", f"{request.type_name} {request.id}")

    @_reported(pb.ReadDataSource.Response)
    def ReadDataSource(self, request: Any, context: grpc.ServicerContext) -> Any:
        if request.type_name not in self.schema.data_sources:
            raise ProviderError(f"Unknown data source {request.type_name} for provider {self.schema.address}")
        block = self.schema.data_sources[request.type_name].get("block", {})
        config = read_dynamic_value(request.config) or {}
        reader = self.data_readers.get(request.type_name)
        state = reader(config) if reader else config
        state = fill_unknown(block, state, self._namer(request.type_name, config), fill_null_computed=True)
        return pb.ReadDataSource.Response(state=to_dynamic_value(state))

    def StopProvider(self, request: Any, context: grpc.ServicerContext) -> Any:
        return pb.StopProvider.Response()


# --- go-plugin server -----------------------------------------------------------------------------------------
def serve(servicer: rpc.ProviderServicer) -> None:
    """Serve like `tf.runner.run_provider` does (same handshake, certificate and helper services), but for a
    servicer that is not built from `tf` resource classes; exit on the controller's Shutdown or when Terraform,
    the parent process, is gone."""
    from concurrent import futures

    from tf.runner import _self_signed_cert

    stopped = threading.Event()

    class Controller(controller_rpc.GRPCControllerServicer):
        def Shutdown(self, request: Any, context: grpc.ServicerContext) -> Any:
            stopped.set()
            return controller_pb.Empty()

    class Stdio(stdio_rpc.GRPCStdioServicer):
        def StreamStdio(self, request: Any, context: grpc.ServicerContext) -> Any:
            return iter([])

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    rpc.add_ProviderServicer_to_server(servicer, server)
    controller_rpc.add_GRPCControllerServicer_to_server(Controller(), server)
    stdio_rpc.add_GRPCStdioServicer_to_server(Stdio(), server)
    parent = os.getppid()
    with tempfile.TemporaryDirectory(prefix="tfstub-") as tmp:
        socket = Path(tmp) / "plugin.sock"
        chain, credentials = _self_signed_cert()
        server.add_secure_port(f"unix://{socket}", credentials)
        server.start()
        # go-plugin handshake: core protocol 1, plugin protocol 6, network, address, protocol, server cert.
        certificate = base64.b64encode(chain).decode().rstrip("=")
        print(f"1|6|unix|{socket}|grpc|{certificate}", flush=True)
        while not stopped.wait(0.2):
            if os.getppid() != parent:
                break
        server.stop(grace=0.2).wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve a recorded provider schema as a Terraform plugin.")
    parser.add_argument("--schema", type=Path, required=True)
    args = parser.parse_args(argv)
    serve(SchemaServicer(load_schema(args.schema)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
