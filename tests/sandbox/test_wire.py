"""The wire format: bit-exact round trips, and a decoder that refuses anything malformed."""
import json
import math
import pickle
import re
import struct
import tracemalloc

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    raw = header if isinstance(header, bytes) else json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<4sHI", magic, version, len(raw)) + raw + b"".join(buffers)


def value_header(value, buffers=()):
    return {"buffers": list(buffers), "value": value}


def tensor_header(dtype="float32", shape=(2,), buffers=(8,), index=0):
    return value_header({"tensor": {"dtype": dtype, "shape": list(shape), "buffer": index}}, buffers)


def nested(depth):
    node = 1
    for _ in range(depth):
        node = [node]
    return node


@pytest.mark.parametrize("data, message", [
    (b"", "truncated"),
    (pickle.dumps({"a": 1}), "magic"),
    (frame(value_header(1), magic=b"XXXX"), "magic"),
    (frame(value_header(1), version=1), "version"),
    (frame(value_header(1))[:-1], "past the end"),
    (frame(value_header(1)) + b"x", "does not match"),
    (frame(b"{not json"), "expected"),
    (frame(b'{"buffers":[],"value":NaN}'), "unexpected byte"),
    (frame(b'{"buffers":[],"value":1e999}'), "out of range"),
    (frame(b'{"buffers":[],"value":1' + b"2" * 5000 + b"}"), "integer too long"),
    (frame(b'{"buffers": [], "value": 1}'), "expected"),  # only the compact form encode writes
    (frame(b'{"value":1,"buffers":[]}'), "expected"),
    (frame(b'{"buffers":[],"value":1,"extra":2}'), "expected }"),
    (frame(b'{"buffers":[],"value":1}}'), "after the header"),
    (frame(b'{"buffers":[],"value":"\\x"}'), "malformed string"),
    (frame(b'{"buffers":[],"value":"\xff"}'), "malformed string"),
    (frame(b'{"buffers":[],"value":[1,]}'), "unexpected byte"),
    (frame(b'{"buffers":[],"value":01}'), "expected }"),
    (frame(b'{"buffers":[],"value":{"dict":{"a":1,"a":2}}}'), "duplicate key"),
    (frame(value_header({"pickle": "x"})), "unknown or malformed node"),
    (frame(value_header({"tuple": [], "dict": {}})), "expected }"),
    (frame(value_header({"float": "1e999"})), "float marker"),
    (frame(value_header(nested(wire.MAX_DEPTH + 2))), "deeper"),
    (frame(tensor_header(dtype="complex64"), b"\0" * 8), "not allowed"),
    (frame(tensor_header(dtype="object"), b"\0" * 8), "not allowed"),
    (frame(tensor_header(shape=(3,)), b"\0" * 8), "needs 12 bytes"),
    (frame(tensor_header(shape=(-2,)), b"\0" * 8), "non-negative"),
    (frame(tensor_header(shape=(True, 2)), b"\0" * 8), "expected"),
    (frame(tensor_header(shape=(2 ** 63, 0), buffers=(0,)), b""), "too large"),
    (frame(tensor_header(shape=[1] * 33, buffers=(4,)), b"\0" * 4), "at most 32"),
    (frame(tensor_header(index=1), b"\0" * 8), "index"),
    (frame(tensor_header(buffers=(8, 4)), b"\0" * 12), "exactly one tensor"),
    (frame(value_header([tensor_header()["value"]] * 2, [8]), b"\0" * 8), "reused"),
    (frame(value_header(1, [-1])), "non-negative"),
])
def test_decoder_rejects_malformed_frames(data, message):
    with pytest.raises(WireError, match=message):
        wire.decode(data, CAP)


def _buffer_lengths(data):
    listed = _header(data)[len(b'{"buffers":['):].split(b"]", 1)[0]
    return [int(length) for length in listed.split(b",")] if listed else []


def _with_buffer_resized(data, index, delta):
    """`data` with buffer `index` `delta` bytes longer (or shorter), its header length and the frame
    kept consistent, so that only the tensor's own length check can refuse it."""
    header, lengths = _header(data), _buffer_lengths(data)
    start = 10 + len(header) + sum(lengths[:index])
    end = start + lengths[index]
    resized = data[start:end] + b"\xab" * delta if delta > 0 else data[start:end + delta]
    lengths[index] += delta
    new_header = b'{"buffers":[' + b",".join(b"%d" % n for n in lengths) + header[header.index(b"]"):]
    return _with_header(data[:start] + resized + data[end:], new_header)


def _resizings():
    for dtype in (torch.uint8, torch.bool, torch.int16, torch.float32, torch.float64):
        itemsize = dtype.itemsize
        for shape in ((), (0,), (2, 0), (3,), (2, 3)):
            needed = math.prod(shape) * itemsize
            for change in (1, -1, itemsize, -itemsize, needed or 8):
                if needed + change >= 0:  # an empty buffer cannot be shorter
                    yield pytest.param(dtype, shape, change, id=f"{dtype}-{list(shape)}-{change:+d}")


@pytest.mark.parametrize("dtype, shape, change", list(_resizings()))
def test_a_buffer_longer_or_shorter_than_its_tensor_is_a_wire_error(dtype, shape, change):
    tensor = torch.zeros(shape, dtype=dtype)
    expected = tensor.numel() * tensor.element_size()
    data = _with_buffer_resized(wire.encode(["before", tensor, "after"]), 0, change)
    with pytest.raises(WireError, match=f"needs {expected} bytes, buffer has {expected + change}"):
        wire.decode(data, CAP)


def test_a_resized_buffer_is_refused_among_correct_ones():
    data = wire.encode([torch.ones(2, 2), torch.arange(6, dtype=torch.int64), torch.zeros(0, 4)])
    assert same_bits(torch.arange(6, dtype=torch.int64), wire.decode(data, CAP)[1])  # the frame itself is fine
    for index, change in [(0, 4), (1, -8), (1, 8), (2, 1), (2, 4)]:
        with pytest.raises(WireError, match="needs"):
            wire.decode(_with_buffer_resized(data, index, change), CAP)


def test_size_cap_applies_before_parsing():
    with pytest.raises(WireError, match="result too large"):
        wire.decode(b"\xff" * 2000, 1000)


def test_nesting_bomb_in_the_header_is_an_error_not_a_crash():
    bomb = frame(b'{"buffers":[],"value":' + b"[" * 200_000 + b"]" * 200_000 + b"}")
    with pytest.raises(WireError):
        wire.decode(bomb, len(bomb))


def test_the_item_cap_applies_while_parsing(monkeypatch):
    monkeypatch.setattr(wire, "MAX_ITEMS", 1000)
    # the garbage after item 1001 is never reached: the cap stops the parser first
    data = frame(b'{"buffers":[],"value":[' + b"0," * 2000 + b"garbage]}")
    with pytest.raises(WireError, match="more than 1000 items"):
        wire.decode(data, len(data))


# ---------------------------------------------------------------- hostile input, property-based

SHORT_RUN = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8))
tensors = st.builds(lambda values, dtype: torch.tensor(values, dtype=torch.float64).to(dtype),
                    st.lists(st.floats(-1e3, 1e3), max_size=6), st.sampled_from(ALL_DTYPES))
values = st.recursive(scalars | tensors, lambda children: (
    st.lists(children, max_size=4) | st.tuples(children, children)
    | st.dictionaries(st.text(max_size=4), children, max_size=4)), max_leaves=12)
shaped_tensors = st.builds(lambda shape, dtype: torch.zeros(shape, dtype=dtype),
                           st.lists(st.integers(0, 3), max_size=3), st.sampled_from(ALL_DTYPES))
HOSTILE_NUMBERS = [b"9223372036854775808", b"18446744073709551616", b"-1", b"1e400", b"1" * 5000, b"-0",
                   b"1.5", b"true", b"null", b'"x"', b"[]", b"{}"]


def _with_header(data, header):
    """`data` with a new header, its length prefix fixed so that the parser gets to read it."""
    header_length = struct.unpack_from("<I", data, 6)[0]
    return data[:6] + struct.pack("<I", len(header)) + header + data[10 + header_length:]


def _header(data):
    return data[10:10 + struct.unpack_from("<I", data, 6)[0]]


@st.composite
def mutated_frames(draw):
    data = wire.encode(draw(values))
    mutation = draw(st.sampled_from(["flip", "truncate", "insert", "number", "nest", "repeat", "resize"]))
    if mutation == "flip":
        index = draw(st.integers(0, len(data) - 1))
        return data[:index] + bytes([data[index] ^ (1 << draw(st.integers(0, 7)))]) + data[index + 1:]
    if mutation == "truncate":
        return data[:draw(st.integers(0, len(data) - 1))]
    if mutation == "insert":
        index = draw(st.integers(0, len(data)))
        return data[:index] + draw(st.binary(min_size=1, max_size=8)) + data[index:]
    header = _header(data)
    if mutation == "resize":
        return _resized_buffer(draw, data)
    if mutation == "number":
        spots = [match.span() for match in re.finditer(rb"-?[0-9]+", header)]
        start, end = draw(st.sampled_from(spots)) if spots else (len(header), len(header))
        return _with_header(data, header[:start] + draw(st.sampled_from(HOSTILE_NUMBERS)) + header[end:])
    if mutation == "nest":
        depth = draw(st.integers(1, 5000))
        return _with_header(data, header.replace(b'"value":', b'"value":' + b"[" * depth, 1) + b"]" * depth)
    spot = draw(st.integers(0, len(header)))
    return _with_header(data, header[:spot] + header[spot:spot + 16] * draw(st.integers(2, 5000)) + header[spot:])


def _resized_buffer(draw, data):
    """A buffer's length field changed, the frame kept consistent around it (a bit flip or a new number
    in the header almost never gets past the frame-length check to reach the tensor's own)."""
    lengths = _buffer_lengths(data)
    if not lengths:
        return data
    index = draw(st.integers(0, len(lengths) - 1))
    return _with_buffer_resized(data, index, draw(st.integers(-lengths[index], 16).filter(bool)))


@st.composite
def frames_with_a_resized_buffer(draw):
    leaves = draw(st.lists(shaped_tensors | tensors | scalars, max_size=4))
    data = wire.encode(draw(st.permutations([draw(shaped_tensors)] + leaves)))
    return _resized_buffer(draw, data)


@st.composite
def random_frames(draw):
    body = draw(st.binary(max_size=256))
    prefix = struct.pack("<4sHI", wire.MAGIC, wire.VERSION, draw(st.integers(0, len(body) + 2)))
    return draw(st.sampled_from([body, prefix + body, prefix + b'{"buffers":[],"value":' + body]))


def _decode_or_refuse(data):
    try:
        wire.decode(data, len(data) + 1)
    except WireError:
        pass


@SHORT_RUN
@given(random_frames())
def test_random_bytes_are_decoded_or_refused_with_a_wire_error(data):
    _decode_or_refuse(data)


@SHORT_RUN
@given(mutated_frames())
def test_mutated_frames_are_decoded_or_refused_with_a_wire_error(data):
    _decode_or_refuse(data)


@SHORT_RUN
@given(frames_with_a_resized_buffer())
def test_frames_with_a_resized_buffer_are_refused_with_a_wire_error(data):
    with pytest.raises(WireError, match="needs"):
        wire.decode(data, len(data))


def _peak_decoding_memory(data):
    tracemalloc.start()
    try:
        _decode_or_refuse(data)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _memory_bound(data):
    return 8 * len(data) + (1 << 20)


def _header_of_items(item, size=384 << 10):
    return frame(b'{"buffers":[],"value":[' + b",".join([item] * (size // (len(item) + 1))) + b"]}")


@pytest.mark.parametrize("data", [
    _header_of_items(b"{}"),
    _header_of_items(b"[]"),
    _header_of_items(b'{"tuple":[]}'),
    _header_of_items(b'{"dict":{}}'),
    _header_of_items(b'{"float":"nan"}'),
    _header_of_items(b'{"unsupported":"x"}'),
    _header_of_items(b"0"),
    _header_of_items(b"1000"),
    _header_of_items(b"0.5"),
    _header_of_items(b'"ab"'),
    _header_of_items(b"null"),
    _header_of_items(b'{"tuple":[1000,"ab"]}'),
    frame(b'{"buffers":[],"value":{"dict":{' + b",".join(b'"%d":0' % i for i in range(100_000)) + b"}}}"),
    frame(b'{"buffers":[' + b"0," * 200_000 + b'0],"value":null}'),
    frame(b'{"buffers":[' + b"0," * 20_000 + b'0],"value":['
          + b",".join(b'{"tensor":{"dtype":"bool","shape":[0],"buffer":%d}}' % i for i in range(20_001)) + b"]}"),
    frame(b'{"buffers":[],"value":' + b"[" * 500_000 + b"]" * 500_000 + b"}"),
    frame(value_header("x" * (1 << 20))),
    frame(value_header("\\" * (1 << 20))),
], ids=lambda data: repr(_header(data)[22:40]))
def test_decoding_hostile_frames_costs_a_small_multiple_of_their_size(data):
    assert _peak_decoding_memory(data) <= _memory_bound(data)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_frames())
def test_decoding_any_frame_costs_a_small_multiple_of_its_size(data):
    assert _peak_decoding_memory(data) <= _memory_bound(data)
