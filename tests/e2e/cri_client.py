#!/usr/bin/python3
"""A minimal Kubernetes CRI client for the end-to-end tests (Debian ships none).

usage: cri_client.py --address SOCK METHOD [REQUEST-JSON | -]

METHOD is a method of runtime.v1.RuntimeService or runtime.v1.ImageService
(e.g. RunPodSandbox, ImageStatus). The request is JSON with the protobuf
field names; the response is printed as JSON with every field, defaults
included. An RPC error prints "CODE: message" on stderr and exits 1.

The message types are not generated code: containerd embeds the CRI
FileDescriptorProto (gzipped, as gogo-protobuf registers it), so the types
come from the very binary that serves them.
"""
import argparse
import json
import re
import shutil
import sys
import zlib

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

FILE_NAME = "api.proto"
PACKAGE = "runtime.v1"
SERVICES = ("RuntimeService", "ImageService")


def _serialized_prefix():
    """The first bytes of FileDescriptorProto{name: api.proto, package: runtime.v1}."""
    fd = descriptor_pb2.FileDescriptorProto(name=FILE_NAME, package=PACKAGE)
    return fd.SerializeToString()


def load_descriptor(binary):
    """The CRI FileDescriptorProto found in BINARY; raises LookupError."""
    with open(binary, "rb") as f:
        data = memoryview(f.read())
    want = _serialized_prefix()
    for m in re.finditer(rb"\x1f\x8b\x08", data):
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            # Peek first: most gzip-looking bytes are not the one we want.
            head = d.decompress(data[m.start():m.start() + 4096], len(want))
            if head != want:
                continue
            raw = head + d.decompress(d.unconsumed_tail + data[m.start() + 4096:m.start() + (8 << 20)])
        except zlib.error:
            continue
        fd = descriptor_pb2.FileDescriptorProto.FromString(raw)
        # gogo.proto only adds options (extensions); the types do not need it.
        del fd.dependency[:]
        return fd
    raise LookupError(f"no {PACKAGE} {FILE_NAME} descriptor in {binary}")


def message_class(desc):
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(desc)
    return message_factory.MessageFactory(desc.file.pool).GetPrototype(desc)


def find_method(pool, name):
    for svc in SERVICES:
        s = pool.FindServiceByName(f"{PACKAGE}.{svc}")
        if name in s.methods_by_name:
            return s.methods_by_name[name]
    raise LookupError(f"no CRI method {name}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--address", required=True, help="containerd's gRPC unix socket")
    ap.add_argument("--containerd", default=shutil.which("containerd"),
                    help="the containerd binary holding the descriptors")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per call")
    ap.add_argument("method")
    ap.add_argument("request", nargs="?", default="{}", help="JSON, or - for stdin")
    args = ap.parse_args()

    pool = descriptor_pool.DescriptorPool()
    pool.Add(load_descriptor(args.containerd))
    method = find_method(pool, args.method)
    req_cls = message_class(method.input_type)
    resp_cls = message_class(method.output_type)
    text = sys.stdin.read() if args.request == "-" else args.request
    req = json_format.Parse(text, req_cls())

    with grpc.insecure_channel(f"unix://{args.address}") as ch:
        call = ch.unary_unary(f"/{method.containing_service.full_name}/{method.name}",
                              request_serializer=req_cls.SerializeToString,
                              response_deserializer=resp_cls.FromString)
        try:
            resp = call(req, timeout=args.timeout)
        except grpc.RpcError as e:
            print(f"{e.code().name}: {e.details()}", file=sys.stderr)
            return 1
    out = json_format.MessageToDict(resp, preserving_proto_field_name=True,
                                    including_default_value_fields=True)
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
