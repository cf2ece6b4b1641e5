"""A schema-only stand-in for a Terraform provider, so `terraform validate` runs offline (issue 21).

    python tfstub.py SCHEMA.json     (run by Terraform, in the `tfstub` judge env, as the provider's executable)
    python tfstub.py SCHEMA.json --serve SOCKET registry.terraform.io/hashicorp/aws   (long-lived, reattached)

It serves Terraform's plugin protocol 6 through the PyPI package `tf` (its generated gRPC bindings;
its runner's handshake and TLS when Terraform starts it, a plain unix socket when reattached).
`GetProviderSchema` answers from the compact schema of tests/judges/tfschema.py, built from the CDKTF
`.jsii` of the provider version the roots pin: every resource type and data source, each argument
required or optional with its type (`any` as `dynamic`), each nested block as a LIST (`max_items = 1`
unless the `.jsii` says it repeats, `min_items = 1` when required), each attribute the resource class
exports as computed. Every `Validate*Config` is accepted and `ConfigureProvider` does nothing: Terraform
core itself then checks each block against the schema (unknown argument or block, wrong type, missing
required argument, unsupported attribute in a reference). Nothing is planned, read or applied: every
other call is left to the base servicer, which refuses it (UNIMPLEMENTED)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any


def cty_type(compact: Any) -> Any:
    """A compact type as Terraform's JSON type: "string", ["list", "string"], "dynamic", ..."""
    if compact == "any":
        return "dynamic"
    if isinstance(compact, list):
        return [compact[0], cty_type(compact[1])]
    return compact


def block_pb(pb: Any, block: dict[str, Any], computed: dict[str, Any] | None = None) -> Any:
    attributes = [
        pb.Schema.Attribute(name=name, type=json.dumps(cty_type(kind)).encode(), required=req, optional=not req,
                            description_kind=pb.PLAIN)
        for name, (kind, req) in sorted(block["a"].items())
    ]  # fmt: skip
    attributes += [
        pb.Schema.Attribute(name=name, type=json.dumps(cty_type(kind)).encode(), computed=True,
                            description_kind=pb.PLAIN)
        for name, kind in sorted((computed or {}).items())
    ]  # fmt: skip
    nested = [
        pb.Schema.NestedBlock(type_name=name, block=block_pb(pb, inner), nesting=pb.Schema.NestedBlock.LIST,
                              min_items=1 if req else 0, max_items=0 if many else 1)
        for name, (inner, req, many) in sorted(block["b"].items())
    ]  # fmt: skip
    return pb.Schema.Block(version=0, attributes=attributes, block_types=nested, description_kind=pb.PLAIN)


def provider_schema(pb: Any, compact: dict[str, Any]) -> Any:
    """The GetProviderSchema response of one compact schema."""
    empty = {"a": {}, "b": {}}

    def schema(block: dict[str, Any], computed: dict[str, Any] | None = None) -> Any:
        return pb.Schema(version=0, block=block_pb(pb, block, computed))

    return pb.GetProviderSchema.Response(
        provider=schema(compact.get("provider") or empty),
        provider_meta=schema(empty),
        resource_schemas={t: schema(b, b.get("c", {})) for t, b in compact["resource"].items()},
        data_source_schemas={t: schema(b, b.get("c", {})) for t, b in compact["data"].items()},
    )


def servicer(pb: Any, response: Any) -> type:
    """The gRPC servicer class `tf`'s runner serves (it constructs it with its Provider argument)."""
    from tf.gen import tfplugin_pb2_grpc as rpc

    resources = [pb.GetMetadata.ResourceMetadata(type_name=t) for t in response.resource_schemas]
    data_sources = [pb.GetMetadata.DataSourceMetadata(type_name=t) for t in response.data_source_schemas]

    class Stub(rpc.ProviderServicer):  # type: ignore[misc]
        def __init__(self, _provider: Any) -> None:
            pass

        def GetMetadata(self, request: Any, context: Any) -> Any:
            return pb.GetMetadata.Response(server_capabilities=pb.ServerCapabilities(), resources=resources,
                                           data_sources=data_sources)  # fmt: skip

        def GetProviderSchema(self, request: Any, context: Any) -> Any:
            return response

        def ValidateProviderConfig(self, request: Any, context: Any) -> Any:
            return pb.ValidateProviderConfig.Response()

        def ValidateResourceConfig(self, request: Any, context: Any) -> Any:
            return pb.ValidateResourceConfig.Response()

        def ValidateDataResourceConfig(self, request: Any, context: Any) -> Any:
            return pb.ValidateDataResourceConfig.Response()

        def ConfigureProvider(self, request: Any, context: Any) -> Any:
            return pb.ConfigureProvider.Response()

        def GetFunctions(self, request: Any, context: Any) -> Any:
            return pb.GetFunctions.Response()

        def StopProvider(self, request: Any, context: Any) -> Any:
            return pb.StopProvider.Response()

    return Stub


def response_bytes(pb: Any, schema: Path) -> bytes:
    """The serialized GetProviderSchema response of a compact schema, cached beside it (building it costs
    ~0.5 s of CPU for a large provider, and Terraform starts each provider twice per validate)."""
    from importlib.metadata import version

    cached = schema.with_name(f"{schema.stem}.tf-{version('tf')}.pb")
    if cached.is_file() and cached.stat().st_mtime_ns >= schema.stat().st_mtime_ns:  # not of an older schema
        return cached.read_bytes()
    data: bytes = provider_schema(pb, json.loads(schema.read_text())).SerializeToString()
    tmp = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(cached)  # atomic: a concurrent start reads the old or the new file whole
    return data


def serve(pb: Any, response: Any, socket: str, address: str) -> None:
    """Serves one long-lived stand-in on a unix socket, for Terraform to reattach to (TF_REATTACH_PROVIDERS:
    no process start per use); prints its reattach entry as one JSON line once it listens, runs until killed
    or until its parent is gone."""
    from concurrent import futures

    import grpc
    from tf.gen import grpc_controller_pb2 as controller_pb
    from tf.gen import grpc_controller_pb2_grpc as controller_rpc
    from tf.gen import tfplugin_pb2_grpc as rpc

    class Controller(controller_rpc.GRPCControllerServicer):  # type: ignore[misc]
        def Shutdown(self, request: Any, context: Any) -> Any:  # a reattached plugin outlives each terraform run
            return controller_pb.Empty()

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    rpc.add_ProviderServicer_to_server(servicer(pb, response)(None), server)
    controller_rpc.add_GRPCControllerServicer_to_server(Controller(), server)
    server.add_insecure_port(f"unix://{socket}")
    server.start()
    entry = {"Protocol": "grpc", "ProtocolVersion": 6, "Pid": os.getpid(), "Test": True,
             "Addr": {"Network": "unix", "String": socket}}  # fmt: skip
    print(json.dumps({address: entry}), flush=True)
    parent = os.getppid()
    while server.wait_for_termination(timeout=1.0):  # True: timed out, still serving
        if os.getppid() != parent:  # the test process died without killing it: no orphan
            server.stop(grace=0)
            return


def main(argv: list[str]) -> None:
    from tf.gen import tfplugin_pb2 as pb

    response = pb.GetProviderSchema.Response.FromString(response_bytes(pb, Path(argv[1])))
    if argv[2:3] == ["--serve"]:
        serve(pb, response, argv[3], argv[4])
        return
    import tf.provider
    from tf.runner import run_provider

    tf.provider.ProviderServicer = servicer(pb, response)  # type: ignore[attr-defined]  # what run_provider serves
    run_provider(None, [argv[0]])  # type: ignore[arg-type]  # the Provider is only read in --dev mode


if __name__ == "__main__":
    main(sys.argv)
