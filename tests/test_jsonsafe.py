"""jsonsafe: exact big integers both ways, no crash on Parquet values, orjson's bytes otherwise."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
import uuid
from zoneinfo import ZoneInfo

import numpy as np
import orjson
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhclean.io import jsonsafe
from zhclean.io.jsonsafe import dumps, loads

BIG = [2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64 - 1, 2**64, 2**100, -(2**100), 10**400]


def orjson_dumps(value: object) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


# ---------------------------------------------------------------- big integers


@pytest.mark.parametrize("number", BIG)
def test_big_int_round_trips_exactly_in_nested_places(number):
    record = {"id": number, "meta": {"ids": [1, number, [number]], "n": {"k": number}}, "t": "中"}
    data = dumps(record)
    assert str(number).encode() in data
    back = loads(data)
    assert back == record
    assert type(back["id"]) is int and back["meta"]["ids"][2] == [number]
    assert loads(data.decode()) == record  # str input too


def test_orjson_alone_loses_them():
    # Why the module exists; if orjson changes this, the fast path gets simpler.
    assert orjson.loads(b"18446744073709551616") == 1.8446744073709552e19
    with pytest.raises(orjson.JSONEncodeError):
        orjson_dumps({"id": 2**64})


def test_big_int_is_written_like_stdlib_json():
    record = {"id": 2**64, "s": '中文\n"q"\\ \u2028 \x7f 😀', "l": [True, None, -(2**70)]}
    expected = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()
    assert dumps(record) == expected


def test_big_int_keys_become_their_digits():
    assert dumps({2**64: 1, 5: 2}) == b'{"18446744073709551616":1,"5":2}'


def test_top_level_numbers():
    assert loads(b" -9223372036854775809 ") == -(2**63) - 1
    assert loads(b"1e300") == 1e300  # a real float that big goes the slow way, unchanged
    assert loads(b"[1e300, 2.5]") == [1e300, 2.5]
    assert dumps(2**64) == b"18446744073709551616"


def test_very_long_integer_beyond_a_double():
    digits = "9" * 400
    assert loads(f'{{"a": [{digits}, -{digits}], "b": 1.5}}') == {
        "a": [int(digits), -int(digits)],
        "b": 1.5,
    }


def test_in_range_ints_stay_on_fast_path(monkeypatch):
    def fail(*_args):
        raise AssertionError("slow path used")

    monkeypatch.setattr(jsonsafe, "_loads_exact", fail)
    doc = (
        b'{"id": 1234567890123456789, "t": "12345678901234567890123", "x": [-9223372036854775808]}'
    )
    assert loads(doc) == orjson.loads(doc)


# ---------------------------------------------------------------- malformed input


@pytest.mark.parametrize(
    "doc",
    [
        b"",
        b"{",
        b'{"a": 1}x',
        b"[NaN]",
        b"[1e400]",
        b'"\xff"',
        b"\xef\xbb\xbf{}",
        b"[" + b"1" * 400 + b", NaN]",  # long integer plus a real error
        b"[" + b"1" * 400 + b", 1e400]",
        b"[" + b"1" * 5000 + b"]",  # beyond Python's int digit limit
        b"[" + b"1" * 400 + b".5]",  # a float, too big for a double
    ],
)
def test_malformed_raises_orjson_error(doc):
    with pytest.raises(orjson.JSONDecodeError) as info:
        loads(doc)
    assert isinstance(info.value, ValueError) and str(info.value)


def test_error_position_survives_the_long_int_check():
    doc = b"[" + b"1" * 400 + b", x]"
    with pytest.raises(orjson.JSONDecodeError) as info:
        loads(doc)
    assert info.value.pos == 403


# ---------------------------------------------------------------- Parquet rows


def test_pyarrow_rows_do_not_crash_and_give_documented_values():
    table = pa.table(
        {
            "binary": pa.array([b"\xe4\xb8\xad", b"\xff\x00"], pa.binary()),
            "decimal": pa.array(
                [decimal.Decimal("123.45"), decimal.Decimal("-0.01")], pa.decimal128(10, 2)
            ),
            "duration": pa.array([93784, -1], pa.duration("s")),
            "duration_us": pa.array([1_500_000, 5], pa.duration("us")),
            "date": pa.array([dt.date(2020, 1, 2), None], pa.date32()),
            "time": pa.array([3_723_000_005, 0], pa.time64("us")),
            "ts_tz": pa.array([0, 1], pa.timestamp("us", tz="Asia/Shanghai")),
            "ts_offset": pa.array([0, 1_000], pa.timestamp("ms", tz="+08:00")),
            "interval": pa.array([pa.MonthDayNano([1, 2, 3]), None], pa.month_day_nano_interval()),
            "nested": pa.array(
                [{"b": [b"a"], "d": decimal.Decimal("1.0")}, None],
                pa.struct([("b", pa.list_(pa.binary())), ("d", pa.decimal128(3, 1))]),
            ),
            "uint64": pa.array([2**64 - 1, 0], pa.uint64()),
        }
    )
    rows = [loads(dumps(row)) for row in table.to_pylist()]
    assert rows[0] == {
        "binary": base64.b64encode("中".encode()).decode(),  # "5Lit"
        "decimal": "123.45",
        "duration": "P1DT2H3M4S",
        "duration_us": "PT1.5S",
        "date": "2020-01-02",
        "time": "01:02:03.000005",
        "ts_tz": "1970-01-01T08:00:00+08:00",
        "ts_offset": "1970-01-01T08:00:00+08:00",
        "interval": {"months": 1, "days": 2, "nanoseconds": 3},
        "nested": {"b": ["YQ=="], "d": "1.0"},
        "uint64": 2**64 - 1,
    }
    assert rows[1]["binary"] == "/wA=" and base64.b64decode(rows[1]["binary"]) == b"\xff\x00"
    assert rows[1]["decimal"] == "-0.01" and decimal.Decimal(rows[1]["decimal"]) == decimal.Decimal(
        "-0.01"
    )
    assert rows[1]["duration"] == "-PT1S"
    assert rows[1]["duration_us"] == "PT0.000005S"
    assert rows[1]["ts_offset"] == "1970-01-01T08:00:01+08:00"
    assert rows[1]["interval"] is None and rows[1]["nested"] is None


def test_nanosecond_columns_via_pandas():
    pd = pytest.importorskip("pandas")
    table = pa.table(
        {
            "ts": pa.array([1], pa.timestamp("ns", tz="UTC")),
            "dur": pa.array([-1], pa.duration("ns")),
        }
    )
    row = loads(dumps(table.to_pylist()[0]))
    assert row == {"ts": "1970-01-01T00:00:00.000000001+00:00", "dur": "-PT0.000000001S"}
    assert pd.Timedelta(row["dur"]) == pd.Timedelta(-1)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (dt.timedelta(0), "PT0S"),
        (dt.timedelta(days=2), "P2D"),
        (dt.timedelta(hours=1, microseconds=1), "PT1H0.000001S"),
        (dt.timedelta(minutes=-90), "-PT1H30M"),
        (dt.timedelta(days=-1, seconds=1), "-PT23H59M59S"),
    ],
)
def test_timedelta_iso_8601(delta, text):
    assert dumps(delta) == orjson_dumps(text)


# ---------------------------------------------------------------- other values


class Odd:
    def __str__(self) -> str:
        return "odd!"


def test_other_values():
    value = {
        "bytearray": bytearray(b"ab"),
        "memoryview": memoryview(b"ab"),
        "decimal_nan": decimal.Decimal("NaN"),
        "aware_time": dt.time(1, 2, tzinfo=dt.UTC),
        "set": {3, 1, 2},
        "mixed_set": frozenset({1}),
        "complex": 1 + 2j,
        "unknown": Odd(),
        "uuid": uuid.UUID(int=1),
        "zoned": dt.datetime(2020, 1, 1, tzinfo=ZoneInfo("Asia/Shanghai")),
    }
    assert loads(dumps(value)) == {
        "bytearray": "YWI=",
        "memoryview": "YWI=",
        "decimal_nan": "NaN",
        "aware_time": "01:02:00+00:00",
        "set": [1, 2, 3],
        "mixed_set": [1],
        "complex": "(1+2j)",
        "unknown": "odd!",
        "uuid": "00000000-0000-0000-0000-000000000001",
        "zoned": "2020-01-01T00:00:00+08:00",
    }


def test_awkward_keys():
    value = {b"k": 1, decimal.Decimal("1.5"): 2, (1, 2): 3, np.int64(7): 4, dt.timedelta(1): 5}
    assert loads(dumps(value)) == {"aw==": 1, "1.5": 2, "(1, 2)": 3, "7": 4, "P1D": 5}


def test_numpy_values():
    value = {
        "i": np.int64(-3),
        "f": np.float32(0.1),
        "arr": np.arange(6).reshape(2, 3),
        "strided": np.arange(6)[::2],
        "objects": np.array([2**70, "x"], dtype=object),
        "complex": np.complex128(1),
        "td": np.timedelta64(1_500, "ns"),
        "td_s": np.timedelta64(90, "s"),
        "nat": np.timedelta64("NaT"),
        "bytes": np.bytes_(b"a"),
    }
    assert loads(dumps(value)) == {
        "i": -3,
        "f": 0.1,
        "arr": [[0, 1, 2], [3, 4, 5]],
        "strided": [0, 2, 4],
        "objects": [2**70, "x"],
        "complex": "(1+0j)",
        "td": "PT0.0000015S",
        "td_s": "PT1M30S",
        "nat": None,
        "bytes": "YQ==",
    }


def test_still_raises_for_circular_references():
    loop: list = []
    loop.append(loop)
    with pytest.raises(orjson.JSONEncodeError):
        dumps(loop)


# ---------------------------------------------------------------- properties

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=30,
)
keys = st.one_of(
    st.text(max_size=8), st.integers(min_value=-(2**63), max_value=2**64 - 1), st.booleans()
)
orjson_values = st.recursive(
    st.one_of(scalars, st.dates(), st.datetimes(), st.times(), st.uuids()),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(keys, inner, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(orjson_values)
def test_same_bytes_as_orjson_when_orjson_can(value):
    assert dumps(value) == orjson_dumps(value)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_round_trip(value):
    data = dumps(value)
    assert data == orjson_dumps(value)
    assert loads(data) == value


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_exact_path_reads_what_orjson_reads(value):
    data = orjson_dumps(value)
    assert jsonsafe._loads_exact(data) == orjson.loads(data)


big_values = st.recursive(
    st.one_of(
        st.integers(), st.integers(min_value=2**64), st.integers(max_value=-(2**63) - 1), st.text()
    ),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(big_values)
def test_round_trip_with_any_integers(value):
    data = dumps(value)
    assert data == json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    assert loads(data) == value


def test_deep_nesting_is_read_without_recursion_error():
    depth = 1024  # orjson's limit, beyond Python's recursion limit
    value = loads(b"[" * depth + b"1.5" + b"]" * depth)
    for _ in range(depth):
        (value,) = value
    assert value == 1.5
