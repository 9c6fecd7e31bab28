"""JSON that keeps every pass-through value of a record: exact big integers, no crash on Parquet types.

zhclean passes each record's other fields through untouched, and plain orjson breaks that in
two ways (checked against orjson 3.13):

* `orjson.loads` turns an integer outside [-2**63, 2**64 - 1] into a float, silently
  (`18446744073709551616` becomes `1.8446744073709552e+19`), and raises "number is infinity"
  for one of more than ~309 digits. An id of 20+ digits came out wrong.
* `orjson.dumps` raises on such integers, and on values that `pyarrow`'s `to_pylist()` yields
  for ordinary Parquet columns: `bytes` (binary), `decimal.Decimal` (decimal128/256),
  `datetime.timedelta` (duration), `pandas.Timestamp`/`Timedelta` (nanosecond units, when
  pandas is installed), `MonthDayNano` (interval). One such row ended a run with a traceback.

`loads` returns what `orjson.loads` returns, except that big integers are exact Python ints.
Malformed JSON still raises `orjson.JSONDecodeError`. The fast path is `orjson.loads` plus a walk
over the parsed containers (not the bytes) looking for a float of magnitude >= 2**63, the only
trace a lost integer leaves. Only when there is one (or when orjson reports an infinite integer)
is the document parsed again by the stdlib `json`, which keeps integers exact. The walk costs
~0.5 us on a 2.3 KB id+text record (~8% of `orjson.loads`); it is per item, not per byte, so
number-heavy records pay more (a 256-float list about doubles the parse time).

`dumps` is byte-identical to `orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS)` whenever that
call succeeds. For the rest, orjson still writes the bytes, so strings, floats, dates and the
compact layout look the same as everywhere else (the stdlib would write `1e-07` where orjson
writes `1e-7`, and `NaN` where orjson writes `null`; without floats, the bytes agree with
`json.dumps(obj, ensure_ascii=False, separators=(",", ":"))`, which the tests check):

* integers beyond 64 bits: exact JSON integers (via `orjson.Fragment`), also as dict keys;
* `bytes`, `bytearray`, `memoryview`: standard base64 (RFC 4648, padded), always, even when
  the bytes happen to be UTF-8. One rule means a column's JSON type and meaning do not depend
  on its content, it loses nothing, and `base64.b64decode` undoes it. Guessing "text if it
  decodes" would also guess wrong for GB18030/Big5 bytes, which zhclean decodes elsewhere;
* `decimal.Decimal`: a JSON string, `str(value)` (`"123.45"`, `"1E+2"`, `"NaN"`): exact, and
  `Decimal(s)` gives the value back; a JSON number would be read back as a lossy float;
* `datetime.timedelta` (and `pandas.Timedelta`, `numpy.timedelta64`): an ISO 8601 duration
  string, e.g. `"P1DT2H3M4.5S"`, `"-PT0.000001S"`, `"PT0S"`; a day is 24 h, as in timedelta;
  a negative one has a leading "-" (XML Schema style). Exact to the unit the value holds, and
  a string like the ISO strings orjson writes for dates and times; `pandas.Timedelta(s)` reads it;
* subclasses of `datetime`/`date`/`time` (`pandas.Timestamp`) and times with a tzinfo (which
  orjson refuses): `value.isoformat()`, which keeps pandas' nanoseconds;
* named tuples and struct sequences (pyarrow's `MonthDayNano`): an object of their fields;
  other tuple subclasses: an array; `set`/`frozenset`: an array, sorted when the items sort;
* numpy arrays and scalars: orjson's `OPT_SERIALIZE_NUMPY`; arrays it refuses (object dtype,
  non-contiguous, complex, ...) item by item; other scalars through `.item()`;
* dict keys orjson cannot write: the string the rules above give, or `str(key)`;
* anything else: `str(value)` rather than a crash.

`dumps` still raises `orjson.JSONEncodeError` for circular references, nesting deeper than
orjson's limit (254), and integers longer than `sys.get_int_max_str_digits()` digits. Big
integers inside objects orjson serialises natively (dataclasses, enums) are not looked for.
`loads` raises `orjson.JSONDecodeError` for a document that needs the stdlib parser and is
nested deeper than Python's recursion limit (~1000 levels; orjson's own limit is 1024).

Loss worth knowing: JSON has no bytes/decimal/duration types, so `loads(dumps(x))` gives back
strings for those; orjson itself writes NaN and infinities as `null` and numpy datetime64 to
the microsecond.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import enum
import json
import re
import sys
import uuid
from typing import Any

import orjson

__all__ = ["dumps", "loads"]

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1  # what orjson reads and writes exactly
_FLOAT_EDGE = float(2**63)  # a lost integer is a float at least this large in magnitude
_CONTAINERS = (dict, list)
_NATIVE_KEYS = (str, bool, float, type(None), dt.datetime, dt.date, uuid.UUID)
# A run of 19+ digits that is a whole number token: not part of a fraction or an exponent.
_LONG_INT = re.compile(rb"(?<![0-9.eE+-])-?[0-9]{19,}(?![0-9.eE])")


# ---------------------------------------------------------------- reading


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    """`orjson.loads`, but integers of any size come back exact.

    Raises `orjson.JSONDecodeError` on malformed JSON, as orjson does."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        if not str(error).startswith("number is infinity"):
            raise
        return _loads_long_ints(data)
    return _loads_exact(data) if _may_hold_lost_int(value) else value


def _may_hold_lost_int(value: Any) -> bool:
    """Whether a parsed value holds a float as large as an integer orjson could not keep.
    A loop with a stack: orjson reads 1024 levels of nesting, more than Python recurses."""
    if type(value) not in _CONTAINERS:
        return type(value) is float and not -_FLOAT_EDGE < value < _FLOAT_EDGE
    stack = [value]
    while stack:
        value = stack.pop()
        for item in value.values() if type(value) is dict else value:
            kind = type(item)
            if kind is float:
                if not -_FLOAT_EDGE < item < _FLOAT_EDGE:
                    return True
            elif kind is dict or kind is list:
                stack.append(item)
    return False


def _loads_long_ints(data: bytes | bytearray | memoryview | str) -> Any:
    """A document orjson refused for an integer too long for a double: check the rest of it
    with orjson (the long integers blanked, so error positions stay right), then parse it."""
    raw = data.encode() if isinstance(data, str) else bytes(data)
    orjson.loads(_LONG_INT.sub(_blank_number, raw))
    return _loads_exact(raw)


def _blank_number(match: re.Match[bytes]) -> bytes:
    return b"0".ljust(len(match[0]))


def _loads_exact(data: bytes | bytearray | memoryview | str) -> Any:
    """The stdlib parser, for a document orjson has already found well-formed."""
    text = data if isinstance(data, str) else bytes(data).decode("utf-8")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:  # e.g. more digits than Python converts
        position = getattr(error, "pos", 0)
        raise orjson.JSONDecodeError(f"cannot read exactly: {error}", text, position) from None


# ---------------------------------------------------------------- writing


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON of `obj`, the bytes `orjson.dumps(obj, option=OPT_NON_STR_KEYS)`
    gives when it can; see the module docstring for what other values become."""
    try:
        return orjson.dumps(obj, default=_default, option=_OPTIONS)
    except orjson.JSONEncodeError:
        pass  # big integers, dict keys or aware times, which orjson never hands to `default`
    try:
        safe = _sanitize(obj)
    except RecursionError:
        raise orjson.JSONEncodeError("Recursion limit reached") from None
    return orjson.dumps(safe, default=_default, option=_OPTIONS)


def _sanitize(value: Any) -> Any:
    """`value` with what orjson rejects before asking `default` made writable."""
    if isinstance(value, dict):
        return {_key(key): _sanitize(item) for key, item in value.items()}
    if isinstance(value, list) or type(value) is tuple:
        return [_sanitize(item) for item in value]
    if isinstance(value, int) and not _INT_MIN <= value <= _INT_MAX:
        return orjson.Fragment(_int_text(value))
    if isinstance(value, dt.time) and value.tzinfo is not None:
        return value.isoformat()
    return value


def _key(key: Any) -> Any:
    """A dict key orjson can write with OPT_NON_STR_KEYS."""
    if type(key) is int:
        return key if _INT_MIN <= key <= _INT_MAX else _int_text(key)
    if type(key) in _NATIVE_KEYS or isinstance(key, str | enum.Enum):
        return key
    if type(key) is dt.time and key.tzinfo is None:
        return key
    converted = _default(key)
    return converted if isinstance(converted, str) else str(key)


def _int_text(number: int) -> str:
    try:
        return str(number)
    except ValueError as error:  # beyond sys.get_int_max_str_digits()
        raise orjson.JSONEncodeError(f"cannot write integer: {error}") from None


def _default(value: Any) -> Any:
    """What to write for a value orjson does not serialise itself."""
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.timedelta):
        return _iso_duration(value)
    if isinstance(value, dt.date | dt.time):  # subclasses such as pandas.Timestamp
        return value.isoformat()
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(value, numpy.ndarray | numpy.generic):
        return _sanitize(_from_numpy(value, numpy))
    if isinstance(value, tuple):
        fields = getattr(value, "__match_args__", None)
        return _sanitize(dict(zip(fields, value, strict=False)) if fields else list(value))
    if isinstance(value, set | frozenset):
        return _sanitize(_sorted_if_possible(value))
    return str(value)


def _sorted_if_possible(items: set[Any] | frozenset[Any]) -> list[Any]:
    try:
        return sorted(items)
    except TypeError:
        return list(items)


def _from_numpy(value: Any, numpy: Any) -> Any:
    """A numpy value orjson refused, as Python values orjson (or `_default`) can write."""
    if isinstance(value, numpy.ndarray):
        return list(value) if value.ndim else value[()]
    if isinstance(value, numpy.timedelta64):
        return _numpy_duration(value, numpy)
    item = value.item()
    return str(value) if isinstance(item, numpy.generic) else item


def _numpy_duration(value: Any, numpy: Any) -> str | None:
    item = value.item()  # a timedelta, None for NaT, or an int for units finer than 1 us
    if item is None:
        return None
    if isinstance(item, dt.timedelta):
        return _iso_duration(item)
    if numpy.datetime_data(value.dtype) == ("ns", 1):
        return _iso_from_nanos(item)
    return str(value)


def _iso_duration(value: dt.timedelta) -> str:
    micros = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    return _iso_from_nanos(micros * 1000 + getattr(value, "nanoseconds", 0))  # pandas' extra


def _iso_from_nanos(nanos: int) -> str:
    """ISO 8601 duration: "P1DT2H3M4.5S"; "-" before a negative one; "PT0S" for zero."""
    sign = "-" if nanos < 0 else ""
    days, rest = divmod(abs(nanos), 86_400 * 10**9)
    hours, rest = divmod(rest, 3600 * 10**9)
    minutes, rest = divmod(rest, 60 * 10**9)
    seconds, fraction = divmod(rest, 10**9)
    clock = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M")) if n)
    if seconds or fraction:
        clock += f"{seconds}.{fraction:09d}".rstrip("0").rstrip(".") + "S"
    if not (days or clock):
        return "PT0S"
    return f"{sign}P{f'{days}D' if days else ''}{'T' + clock if clock else ''}"
