"""The data format that crosses the sandbox boundary (inputs in, RESULT out).

Data, never code: a frame is MAGIC + version + header length + a compact JSON header
`{"buffers":[lengths],"value":tree}` + raw tensor buffers. Nothing is ever unpickled. The same
module runs on both sides, but only the trusted decoder counts: a job can replace the encoder, so
`decode` assumes every byte is hostile (size cap before parsing; depth, item and memory caps while
parsing; dtype whitelist, exact shapes and lengths).

Tree nodes: null, true/false, JSON ints and finite floats, strings, arrays (lists) and one-key
tagged objects: {"float": "nan"|"inf"|"-inf"}, {"tuple": [...]}, {"dict": {...}},
{"tensor": {"dtype", "shape", "buffer"}}, {"unsupported": "type name"}.
"""
import json
import math
import re
import struct
import sys
from dataclasses import dataclass

MAGIC = b"TGW\x00"
VERSION = 2
_PREFIX = struct.Struct("<4sHI")  # magic, version, header length

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
    header = json.dumps({"buffers": [len(b) for b in buffers], "value": tree},
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

# What the decoder may allocate: a small multiple of the frame's size. JSON is far denser than the
# Python objects it describes (`{}` is 2 bytes of header, an empty dict 64 bytes), so the header is
# parsed straight into the final values, each charged (upper bounds for CPython 3.11, 64-bit) as it
# is made: a hostile frame is refused before it costs the trusted side more than this.
MEMORY_PER_FRAME_BYTE = 6
MEMORY_ALLOWANCE = 256 << 10
_SLOT = 9  # a pointer in a list, with the list's over-allocation
_LIST = 56
_TUPLE_PER_ITEM = 8
_TUPLE = 40
_DICT = 64
_DICT_ENTRY = 64
_FLOAT = 24
_TENSOR = 512  # the Python object, torch's TensorImpl and storage, the used-buffer mark
_UNSUPPORTED = 256
_OFFSET = 40  # one buffer's start offset (an int and its slot)
MAX_TENSOR_EXTENT_BYTES = 1 << 48  # torch overflows computing the storage of absurd empty shapes

_NUMBER = re.compile(rb"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
# possessive: runs of plain characters are taken whole, never one backtracking state per character
_STRING = re.compile(rb'"((?:[^"\\\x00-\x1f]++|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*+)"')
_LITERALS = ((b"null", None), (b"true", True), (b"false", False))
_CACHED_INTS = range(-5, 257)  # CPython's small ints cost nothing more


def decode(frame: bytes, max_bytes: int, max_memory_bytes: int | None = None) -> object:
    """Decode a frame from an untrusted source. Raises WireError, and only WireError, on anything
    unexpected. Decoding allocates at most `max_memory_bytes` (by default a small multiple of the
    frame's size), checked while parsing."""
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
    if max_memory_bytes is None:
        max_memory_bytes = MEMORY_PER_FRAME_BYTE * len(frame) + MEMORY_ALLOWANCE
    return _Parser(frame, header_end, max_memory_bytes).header()


class _Parser:
    """The header exactly as `encode` writes it (compact JSON, keys in a fixed order), read into
    the decoded value in one pass with the depth, item and memory caps applied as it goes."""

    def __init__(self, frame, header_end, max_memory_bytes):
        self.frame = frame
        self.position = _PREFIX.size
        self.end = header_end
        self.max_memory_bytes = max_memory_bytes
        self.memory = 0
        self.items = 0
        self.buffer_offsets = []
        self.used = set()
        self.tagged_readers = ((b'{"float":', self.special_float), (b'{"tuple":', self.tuple),
                               (b'{"dict":', self.dict), (b'{"tensor":', self.tensor),
                               (b'{"unsupported":', self.unsupported))

    def header(self):
        self.expect(b'{"buffers":')
        lengths = self.int_list(MAX_ITEMS)
        self.charge(_OFFSET * len(lengths))
        offset = self.end
        for length in lengths:
            self.buffer_offsets.append(offset)
            offset += length
        if offset != len(self.frame):
            raise WireError(f"frame length {len(self.frame)} does not match its header ({offset})")
        self.buffer_offsets.append(offset)
        self.expect(b',"value":')
        value = self.node(0)
        self.expect(b"}")
        if self.position != self.end:
            raise WireError(f"unexpected bytes after the header at byte {self.position}")
        if len(self.used) != len(lengths):
            raise WireError("every buffer must be used by exactly one tensor")
        return value

    # -- reading

    def charge(self, size):
        """Count `size` more bytes as allocated (negative: freed); refuse past the budget."""
        self.memory += size
        if self.memory > self.max_memory_bytes:
            raise WireError(f"the value would take more than {self.max_memory_bytes} bytes to decode")

    def peek(self):
        if self.position >= self.end:
            raise WireError("the header ends too early")
        return self.frame[self.position:self.position + 1]

    def expect(self, literal):
        if not self.frame.startswith(literal, self.position, self.end):
            raise WireError(f"expected {literal.decode()} at header byte {self.position}")
        self.position += len(literal)

    def separated(self, close, read_one):
        """Call read_one for each comma-separated item until `close` (the opening is consumed)."""
        if self.peek() == close:
            self.position += 1
            return
        while True:
            read_one()
            if self.peek() == b",":
                self.position += 1
            else:
                return self.expect(close)

    def node(self, depth):
        self.items += 1
        if self.items > MAX_ITEMS:
            raise WireError(f"more than {MAX_ITEMS} items")
        if depth > MAX_DEPTH:
            raise WireError(f"nested deeper than {MAX_DEPTH} levels")
        self.charge(_SLOT)
        first = self.peek()
        if first == b"[":
            return self.list(depth)
        if first == b"{":
            for prefix, read in self.tagged_readers:
                if self.frame.startswith(prefix, self.position, self.end):
                    self.position += len(prefix)
                    value = read(depth)
                    self.expect(b"}")
                    return value
            raise WireError(f"unknown or malformed node at header byte {self.position}")
        if first == b'"':
            return self.string()
        for literal, value in _LITERALS:
            if self.frame.startswith(literal, self.position, self.end):
                self.position += len(literal)
                return value
        return self.number()

    def list(self, depth):
        self.expect(b"[")
        self.charge(_LIST)
        values = []
        self.separated(b"]", lambda: values.append(self.node(depth + 1)))
        return values

    def string(self):
        match = _STRING.match(self.frame, self.position, self.end)
        if match is None:
            raise WireError(f"malformed string at header byte {self.position}")
        self.position = match.end()
        raw = match.group(1)
        try:
            text = json.loads(match.group()) if b"\\" in raw else raw.decode("utf-8")
        except ValueError as exc:
            raise WireError(f"malformed string at header byte {match.start()}: {exc}") from None
        self.charge(sys.getsizeof(text))
        return text

    def number(self):
        match = _NUMBER.match(self.frame, self.position, self.end)
        if match is None:
            raise WireError(f"unexpected byte {self.peek()!r} at header byte {self.position}")
        self.position = match.end()
        if match.group(1) is None and match.group(2) is None:
            try:
                value = int(match.group())
            except ValueError:  # more digits than Python converts
                raise WireError(f"integer too long at header byte {match.start()}") from None
            self.charge(0 if value in _CACHED_INTS else sys.getsizeof(value))
            return value
        value = float(match.group())
        if not math.isfinite(value):
            raise WireError(f"number out of range at header byte {match.start()}")
        self.charge(_FLOAT)
        return value

    def int_list(self, max_length):
        """A list of at most `max_length` non-negative ints (lengths, shapes)."""
        self.expect(b"[")
        self.charge(_LIST)
        values = []

        def read_one():
            if len(values) == max_length:
                raise WireError(f"a list of sizes may have at most {max_length} entries")
            self.charge(_SLOT)
            value = self.number()
            if type(value) is not int or value < 0:
                raise WireError("sizes must be non-negative integers")
            values.append(value)

        self.separated(b"]", read_one)
        return values

    # -- tagged nodes

    def special_float(self, depth):
        marker = self.string()
        if marker not in _SPECIAL_FLOATS:
            raise WireError(f"unknown float marker {marker[:20]!r}")
        return _SPECIAL_FLOATS[marker]

    def tuple(self, depth):
        values = self.list(depth)
        self.charge(_TUPLE + _TUPLE_PER_ITEM * len(values))  # the list and the tuple, for a moment
        self.charge(-(_LIST + _SLOT * len(values)))
        return tuple(values)

    def dict(self, depth):
        self.expect(b"{")
        self.charge(_DICT)
        result = {}

        def read_entry():
            key = self.string()
            if key in result:
                raise WireError(f"duplicate key {key[:50]!r}")
            self.charge(_DICT_ENTRY)
            self.expect(b":")
            result[key] = self.node(depth + 1)

        self.separated(b"}", read_entry)
        return result

    def unsupported(self, depth):
        self.charge(_UNSUPPORTED)
        return Unsupported(self.string()[:200])

    def tensor(self, depth):
        self.expect(b'{"dtype":')
        dtype_name = self.string()
        if dtype_name not in DTYPES:
            raise WireError(f"dtype {dtype_name[:50]!r} is not allowed")
        self.expect(b',"shape":')
        shape = self.int_list(MAX_TENSOR_DIMS)
        self.expect(b',"buffer":')
        index = self.number()
        self.expect(b"}")
        if type(index) is not int or not 0 <= index < len(self.buffer_offsets) - 1 or index in self.used:
            raise WireError("tensor buffer index is invalid or reused")
        self.used.add(index)
        start, end = self.buffer_offsets[index], self.buffer_offsets[index + 1]
        expected = math.prod(shape) * DTYPES[dtype_name]
        if expected != end - start:
            raise WireError(f"tensor of shape {shape} and dtype {dtype_name} needs {expected} bytes, "
                            f"buffer has {end - start}")
        if math.prod(max(size, 1) for size in shape) * DTYPES[dtype_name] > MAX_TENSOR_EXTENT_BYTES:
            raise WireError(f"tensor shape {shape} is too large")
        self.charge(_TENSOR + expected)
        torch = _torch()
        dtype = getattr(torch, dtype_name)
        if expected == 0:
            return torch.empty(shape, dtype=dtype)
        return torch.frombuffer(bytearray(memoryview(self.frame)[start:end]), dtype=dtype).reshape(shape)
