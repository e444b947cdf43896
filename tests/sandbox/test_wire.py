"""The wire format: bit-exact round trips, and a decoder that refuses anything malformed."""
import json
import math
import pickle
import struct

import pytest
import torch

from sandbox import wire
from sandbox.wire import Unsupported, WireError

CAP = 1 << 20
ALL_DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int8, torch.int16,
              torch.int32, torch.int64, torch.uint8, torch.bool]


def roundtrip(value):
    return wire.decode(wire.encode(value), CAP)


def same_bits(a, b):
    return (type(b) is torch.Tensor and a.dtype == b.dtype and a.shape == b.shape
            and a.contiguous().view(torch.uint8).tolist() == b.view(torch.uint8).tolist())


def special_tensor(dtype):
    """Values whose bits a lossy path would change: NaN payloads, -0.0, infinities, extremes."""
    if dtype == torch.bool:
        return torch.tensor([[True, False], [False, True]])
    if dtype.is_floating_point:
        values = torch.tensor([0.0, -0.0, math.inf, -math.inf, math.nan, 1.5, -2.25, 1e-3], dtype=dtype)
        bits = values.view({2: torch.int16, 4: torch.int32, 8: torch.int64}[values.element_size()])
        bits[4] = bits[4] | 1  # a NaN with a non-default payload
        return values.reshape(2, 4)
    info = torch.iinfo(dtype)
    return torch.tensor([[info.min, -1 if info.min < 0 else 0], [1, info.max]], dtype=dtype)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_tensors_round_trip_bit_exactly(dtype):
    tensor = special_tensor(dtype)
    assert same_bits(tensor, roundtrip(tensor))


def test_tensor_views_are_sent_as_their_own_values():
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    view = base.t()[1:3]
    assert same_bits(view.contiguous(), roundtrip(view))
    scalar = torch.tensor(3.5, dtype=torch.float64, requires_grad=True)
    decoded = roundtrip(scalar)
    assert decoded.shape == () and decoded.item() == 3.5 and not decoded.requires_grad
    empty = roundtrip(torch.zeros(0, 3, dtype=torch.int16))
    assert empty.shape == (0, 3) and empty.dtype == torch.int16


def test_plain_values_keep_their_exact_types():
    value = {"none": None, "flags": [True, False], "int": 2 ** 70, "neg_zero": -0.0,
             "tuple": (1, "a", (2.5,)), "nested": [{"k": [1, 2]}], "text": "héllo\n\"",
             "specials": [math.inf, -math.inf]}
    decoded = roundtrip(value)
    assert decoded == value
    assert type(decoded["tuple"]) is tuple and type(decoded["tuple"][2]) is tuple
    assert type(decoded["flags"][0]) is bool and type(decoded["int"]) is int
    assert math.copysign(1, decoded["neg_zero"]) == -1
    assert math.isnan(roundtrip(math.nan))
    assert type(roundtrip(1.0)) is float and type(roundtrip(1)) is int


class Tagged(torch.Tensor):
    pass


class Sneaky(float):
    def __eq__(self, other):
        return True


@pytest.mark.parametrize("value, type_name", [
    (torch.zeros(2).as_subclass(Tagged), f"{__name__}.Tagged"),
    (torch.nn.Parameter(torch.zeros(2)), "torch.nn.parameter.Parameter"),
    (Sneaky(1.0), f"{__name__}.Sneaky"),
    (lambda: 1, "function"),
    (b"bytes", "bytes"),
    (object(), "object"),
])
def test_values_outside_the_format_come_back_as_unsupported(value, type_name):
    assert roundtrip([value]) == [Unsupported(type_name)]


def test_unsupported_dtype_is_marked():
    decoded = roundtrip(torch.zeros(2, dtype=torch.complex64))
    assert isinstance(decoded, Unsupported) and "complex64" in decoded.type_name


def test_dict_with_non_string_keys_cannot_be_encoded():
    with pytest.raises(wire.EncodeError, match="keys must be str"):
        wire.encode({1: "a"})


def frame(header, *buffers, magic=wire.MAGIC, version=wire.VERSION):
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<4sHI", magic, version, len(raw)) + raw + b"".join(buffers)


def tensor_header(dtype="float32", shape=(2,), buffers=(8,), index=0):
    return {"value": {"tensor": {"dtype": dtype, "shape": list(shape), "buffer": index}}, "buffers": list(buffers)}


def nested(depth):
    node = 1
    for _ in range(depth):
        node = [node]
    return node


@pytest.mark.parametrize("data, message", [
    (b"", "truncated"),
    (pickle.dumps({"a": 1}), "magic"),
    (frame({"value": 1, "buffers": []}, magic=b"XXXX"), "magic"),
    (frame({"value": 1, "buffers": []}, version=2), "version"),
    (frame({"value": 1, "buffers": []})[:-1], "past the end"),
    (frame({"value": 1, "buffers": []}) + b"x", "does not match"),
    (frame(b"{not json"), "not valid JSON"),
    (frame(b'{"value": NaN, "buffers": []}'), "not valid JSON"),
    (frame(b'{"value": 1' + b"2" * 5000 + b', "buffers": []}'), "not valid JSON"),
    (frame({"value": 1}), "exactly 'value' and 'buffers'"),
    (frame({"value": {"pickle": "x"}, "buffers": []}), "unknown or malformed node"),
    (frame({"value": {"tuple": [], "dict": {}}, "buffers": []}), "exactly one key"),
    (frame({"value": {"float": "1e999"}, "buffers": []}), "float marker"),
    (frame({"value": nested(wire.MAX_DEPTH + 2), "buffers": []}), "deeper"),
    (frame(tensor_header(dtype="complex64"), b"\0" * 8), "not allowed"),
    (frame(tensor_header(dtype="object"), b"\0" * 8), "not allowed"),
    (frame(tensor_header(shape=(3,)), b"\0" * 8), "needs 12 bytes"),
    (frame(tensor_header(shape=(-2,)), b"\0" * 8), "non-negative"),
    (frame(tensor_header(shape=(True, 2)), b"\0" * 8), "non-negative"),
    (frame(tensor_header(index=1), b"\0" * 8), "index"),
    (frame(tensor_header(buffers=(8, 4)), b"\0" * 12), "exactly one tensor"),
    (frame({"value": [tensor_header()["value"]] * 2, "buffers": [8]}, b"\0" * 8), "reused"),
    (frame({"value": 1, "buffers": [-1]}), "non-negative"),
])
def test_decoder_rejects_malformed_frames(data, message):
    with pytest.raises(WireError, match=message):
        wire.decode(data, CAP)


def test_size_cap_applies_before_parsing():
    with pytest.raises(WireError, match="result too large"):
        wire.decode(b"\xff" * 2000, 1000)


def test_nesting_bomb_in_the_header_is_an_error_not_a_crash():
    bomb = frame(b'{"value": ' + b"[" * 200_000 + b"]" * 200_000 + b', "buffers": []}')
    with pytest.raises(WireError):
        wire.decode(bomb, len(bomb))
