"""The data format that crosses the sandbox boundary (inputs in, RESULT out).

Data, never code: a frame is MAGIC + version + header length + a JSON header (the value tree) +
raw tensor buffers. Nothing is ever unpickled. The same module runs on both sides, but only the
trusted decoder counts: a job can replace the encoder, so `decode` assumes every byte is hostile
(size cap before parsing, depth and item caps, dtype whitelist, exact shapes and lengths).

Tree nodes: null, true/false, JSON ints and finite floats, strings, arrays (lists) and one-key
tagged objects: {"float": "nan"|"inf"|"-inf"}, {"tuple": [...]}, {"dict": {...}},
{"tensor": {"dtype", "shape", "buffer"}}, {"unsupported": "type name"}.
"""
import json
import math
import struct
import sys
from dataclasses import dataclass

MAGIC = b"TGW\x00"
VERSION = 1
_PREFIX = struct.Struct("<4sHI")  # magic, version, header length
_BUFFER_LENGTH = struct.Struct("<Q")

MAX_DEPTH = 64
MAX_ITEMS = 1_000_000
MAX_TENSOR_DIMS = 32

# allowed dtype (torch attribute name) -> item size in bytes
DTYPES = {
    "float16": 2, "bfloat16": 2, "float32": 4, "float64": 8,
    "int8": 1, "int16": 2, "int32": 4, "int64": 8, "uint8": 1, "bool": 1,
}
_SPECIAL_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class WireError(ValueError):
    """The frame is malformed; the message says how."""


class EncodeError(ValueError):
    """The value cannot be represented (e.g. a dict with a non-str key)."""


@dataclass(frozen=True)
class Unsupported:
    """Stands for a value the job could not send (a Tensor subclass, an arbitrary object...)."""
    type_name: str


def _type_name(value):
    kind = type(value)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _torch():
    import torch
    return torch


# ---------------------------------------------------------------- encoding


def encode(value):
    """Encode `value` into one frame (bytes). Raises EncodeError for unrepresentable containers."""
    buffers = []
    tree = _encode_node(value, buffers, 0)
    header = json.dumps({"value": tree, "buffers": [len(b) for b in buffers]},
                        allow_nan=False, separators=(",", ":")).encode()
    return b"".join([_PREFIX.pack(MAGIC, VERSION, len(header)), header, *buffers])


def _encode_node(value, buffers, depth):
    if depth > MAX_DEPTH:
        raise EncodeError(f"nested deeper than {MAX_DEPTH} levels")
    kind = type(value)
    if value is None or kind is bool or kind is int or kind is str:
        return value
    if kind is float:
        if math.isnan(value):
            return {"float": "nan"}
        if math.isinf(value):
            return {"float": "inf" if value > 0 else "-inf"}
        return value
    if kind is list:
        return [_encode_node(item, buffers, depth + 1) for item in value]
    if kind is tuple:
        return {"tuple": [_encode_node(item, buffers, depth + 1) for item in value]}
    if kind is dict:
        for key in value:
            if type(key) is not str:
                raise EncodeError(f"dict keys must be str, got {_type_name(key)}")
        return {"dict": {key: _encode_node(item, buffers, depth + 1) for key, item in value.items()}}
    if _is_exact_tensor(value):
        return _encode_tensor(value, buffers)
    return {"unsupported": _type_name(value)}


def _is_exact_tensor(value):
    torch = sys.modules.get("torch")  # a job that never imported torch cannot hold a tensor
    return torch is not None and type(value) is torch.Tensor


def _encode_tensor(tensor, buffers):
    torch = _torch()
    dtype_name = str(tensor.dtype).removeprefix("torch.")
    if dtype_name not in DTYPES or tensor.layout != torch.strided or tensor.is_quantized or tensor.is_meta:
        return {"unsupported": f"torch.Tensor(dtype={tensor.dtype}, layout={tensor.layout})"}
    flat = tensor.detach().cpu().contiguous().reshape(-1)
    buffers.append(flat.view(torch.uint8).numpy().tobytes())
    return {"tensor": {"dtype": dtype_name, "shape": list(tensor.shape), "buffer": len(buffers) - 1}}


# ---------------------------------------------------------------- decoding


def decode(frame, max_bytes):
    """Decode a frame from an untrusted source. Raises WireError on anything unexpected."""
    if len(frame) > max_bytes:
        raise WireError(f"result too large ({len(frame)} bytes, limit {max_bytes})")
    if len(frame) < _PREFIX.size:
        raise WireError("truncated frame")
    magic, version, header_length = _PREFIX.unpack_from(frame)
    if magic != MAGIC:
        raise WireError("bad magic (not a result frame)")
    if version != VERSION:
        raise WireError(f"unsupported frame version {version}")
    header_end = _PREFIX.size + header_length
    if header_end > len(frame):
        raise WireError("header runs past the end of the frame")
    try:
        header = json.loads(frame[_PREFIX.size:header_end].decode("utf-8"),
                            parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise WireError(f"header is not valid JSON: {exc}") from None
    if type(header) is not dict or set(header) != {"value", "buffers"}:
        raise WireError("header must be an object with exactly 'value' and 'buffers'")
    buffers = _split_buffers(frame, header_end, header["buffers"])
    decoder = _Decoder(buffers)
    value = decoder.node(header["value"], 0)
    if decoder.used != set(range(len(buffers))):
        raise WireError("every buffer must be used by exactly one tensor")
    return value


def _reject_constant(name):
    raise ValueError(f"{name} is not allowed")


def _split_buffers(frame, offset, lengths):
    if type(lengths) is not list or len(lengths) > MAX_ITEMS:
        raise WireError("'buffers' must be a list of lengths")
    buffers = []
    for length in lengths:
        if type(length) is not int or length < 0:
            raise WireError("buffer lengths must be non-negative integers")
        buffers.append(memoryview(frame)[offset:offset + length])
        offset += length
    if offset != len(frame):
        raise WireError(f"frame length {len(frame)} does not match its header ({offset})")
    return buffers


class _Decoder:
    def __init__(self, buffers):
        self.buffers = buffers
        self.used = set()
        self.items = 0

    def node(self, node, depth):
        self.items += 1
        if self.items > MAX_ITEMS:
            raise WireError(f"more than {MAX_ITEMS} items")
        if depth > MAX_DEPTH:
            raise WireError(f"nested deeper than {MAX_DEPTH} levels")
        kind = type(node)
        if node is None or kind in (bool, int, float, str):
            return node
        if kind is list:
            return [self.node(item, depth + 1) for item in node]
        if kind is not dict or len(node) != 1:
            raise WireError("a tagged node must be an object with exactly one key")
        (tag, body), = node.items()
        if tag == "float":
            if body not in _SPECIAL_FLOATS:
                raise WireError(f"unknown float marker {body!r}")
            return _SPECIAL_FLOATS[body]
        if tag == "tuple" and type(body) is list:
            return tuple(self.node(item, depth + 1) for item in body)
        if tag == "dict" and type(body) is dict:
            return {key: self.node(item, depth + 1) for key, item in body.items()}
        if tag == "tensor" and type(body) is dict:
            return self.tensor(body)
        if tag == "unsupported" and type(body) is str:
            return Unsupported(body[:200])
        raise WireError(f"unknown or malformed node {tag!r}")

    def tensor(self, body):
        if set(body) != {"dtype", "shape", "buffer"}:
            raise WireError("a tensor needs exactly dtype, shape and buffer")
        dtype_name, shape, index = body["dtype"], body["shape"], body["buffer"]
        if type(dtype_name) is not str or dtype_name not in DTYPES:
            raise WireError(f"dtype {dtype_name!r} is not allowed")
        if (type(shape) is not list or len(shape) > MAX_TENSOR_DIMS
                or any(type(size) is not int or size < 0 for size in shape)):
            raise WireError("shape must be a list of at most 32 non-negative integers")
        if type(index) is not int or not 0 <= index < len(self.buffers) or index in self.used:
            raise WireError("tensor buffer index is invalid or reused")
        self.used.add(index)
        buffer = self.buffers[index]
        expected = math.prod(shape) * DTYPES[dtype_name]
        if expected != len(buffer):
            raise WireError(f"tensor of shape {shape} and dtype {dtype_name} needs {expected} bytes, "
                            f"buffer has {len(buffer)}")
        torch = _torch()
        dtype = getattr(torch, dtype_name)
        if expected == 0:
            return torch.empty(shape, dtype=dtype)
        return torch.frombuffer(bytearray(buffer), dtype=dtype).reshape(shape)
