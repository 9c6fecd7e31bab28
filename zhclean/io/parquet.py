"""Parquet part files that always read back as one table.

Why this module exists: `writers.ParquetWriter` takes its schema from the first row group and,
when a later group does not fit it, silently starts a second file (`x.parquet` +
`x.part-0001.parquet`). The usual trigger is harmless data: the first 2,048 records have no
`source`, so `zhclean.source` is typed `null`, and the next group has strings. Reading both
files back with pandas, pyarrow.dataset or HF datasets then fails with `Unsupported cast from
string to null`, because every reader takes one file's schema for all of them.

Here a part is always ONE file with ONE schema, and a set of parts can be put in one file or
made to share one schema, so that any reader takes them together. The rules:

- The `zhclean` column has a fixed type, `metadata_type()`, whatever the data holds, so a
  `source` that is null in every row of a group is still a string column. Keys a record's
  `zhclean` object (or its `edits`) has beyond that type (`signals`, `lang`, a plugin step's
  counter) are not dropped: their types are inferred and appended after the fixed fields.
- Other columns are inferred per row group, one for every key any row has. Values Arrow
  cannot type together (a list mixing numbers and strings, ints and strings in one group, an
  empty dict) make that column JSON text for the group: strings stay as they are, every other
  value becomes its JSON text, null stays null (as `writers._flattened` does for one row).
- Groups whose schemas differ are unified field by field: struct fields are merged by name,
  other types by `pa.unify_schemas(promote_options="permissive")` (null -> anything, int ->
  float, string -> large_string, string -> binary, ...). Two types it cannot unify (int and
  string, bool and int, list<int> and list<string>, struct and string) become JSON text in
  every group, by the rule above. A column missing from a group or a part is null there.
  Every field is nullable.
- Memory stays bounded by a few row groups: the writer keeps one group of rows plus, before
  its first sub-file is open, `LOOKAHEAD_GROUPS` groups as Arrow tables (so drift in the
  first records costs no rewrite); files are combined one row group at a time.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Sequence
from functools import lru_cache
from types import NoneType
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

META_COLUMN = "zhclean"
COMPRESSION = "zstd"
# Groups held (as Arrow tables) before the first sub-file is opened, so the drift of the
# first records (a column null at first, a field that appears later) costs no rewrite.
LOOKAHEAD_GROUPS = 4
_CONVERSION_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError,
                      TypeError, ValueError, OverflowError)


# --- the zhclean column ---------------------------------------------------------------------

def metadata_type() -> pa.DataType:
    """The Arrow type of the `zhclean` object every output record carries: fixed, so a field
    that happens to be null in a whole row group is still typed. `edits` holds a counter for
    every SPEC edit key, then for every other registered step (sorted, so the order does not
    depend on which plugin module was imported first)."""
    from zhclean.steps import REGISTRY

    return _metadata_type(tuple(REGISTRY))


@lru_cache(maxsize=8)
def _metadata_type(step_names: tuple[str, ...]) -> pa.DataType:
    from zhclean.pipeline import EDIT_KEYS, FIELD_KEYS, STAGE_EDIT_KEYS

    edit_names = [*EDIT_KEYS, *sorted(set(step_names) - set(EDIT_KEYS)), *STAGE_EDIT_KEYS]
    edits = pa.struct([pa.field(name, pa.int64()) for name in edit_names])
    return pa.struct([
        *(pa.field(name, pa.string()) for name in FIELD_KEYS),
        pa.field("script_in", pa.string()),
        pa.field("script_out", pa.string()),
        pa.field("machine_converted", pa.bool_()),
        pa.field("machine_converted_score", pa.float64()),
        pa.field("edits", edits),
        pa.field("chars_in", pa.int64()),
        pa.field("chars_out", pa.int64()),
        pa.field("lang", pa.string()),  # the language filter's; null when it did not run
        pa.field("lang_score", pa.float64()),
    ])


def _meta_column(values: list[Any]) -> pa.Array:
    """The `zhclean` values of one group as `metadata_type()`, plus any extra keys (typed by
    inference). Values that are not objects at all fall back to the generic column rules."""
    if not all(kind is NoneType or issubclass(kind, dict) for kind in {type(v) for v in values}):
        return _column(values)
    fixed = metadata_type()
    if not _has_extra_keys(values, fixed):
        try:
            return pa.array(values, type=fixed)
        except _CONVERSION_ERRORS:
            pass  # a fixed field holds a value of another type: build field by field
    return _struct_column(values, fixed)


def _has_extra_keys(values: list[dict | None], fixed: pa.StructType) -> bool:
    """Whether any object (or its `edits`) has a key the fixed type lacks, which
    `pa.array(..., type=fixed)` would silently drop. Set unions run in C: this check is on
    the path of every group."""
    present = [v for v in values if v is not None]
    if not set(fixed.names).issuperset(set().union(*present)):
        return True
    edits = [e for v in present if isinstance(e := v.get("edits"), dict)]
    return not set(fixed.field("edits").type.names).issuperset(set().union(*edits))


def _struct_column(values: list[dict | None], fixed: pa.StructType) -> pa.Array:
    """A struct of the fixed fields (each converted on its own, so one odd field falls back
    alone) followed by every extra key, in first-seen order."""
    arrays, fields = [], []
    for field in fixed:
        child = [v.get(field.name) if isinstance(v, dict) else None for v in values]
        if pa.types.is_struct(field.type) and all(c is None or isinstance(c, dict) for c in child):
            array = _struct_column(child, field.type)
        else:
            array = _typed_or_inferred(child, field.type)
        arrays.append(array)
        fields.append(pa.field(field.name, array.type))
    extras = dict.fromkeys(k for v in values if v is not None for k in v if k not in fixed.names)
    for name in extras:
        array = _column([v.get(name) if v is not None else None for v in values])
        arrays.append(array)
        fields.append(pa.field(name, array.type))
    mask = pa.array([v is None for v in values], type=pa.bool_())
    return pa.StructArray.from_arrays(arrays, fields=fields, mask=mask)


def _typed_or_inferred(values: list[Any], type_: pa.DataType) -> pa.Array:
    try:
        return pa.array(values, type=type_)
    except _CONVERSION_ERRORS:
        return _column(values)


# --- building one row group -----------------------------------------------------------------

def _column(values: list[Any]) -> pa.Array:
    """The values as one Arrow column of the inferred type, or as JSON text when Arrow cannot
    type them together or Parquet cannot store the type (an empty struct)."""
    try:
        array = pa.array(values)
    except _CONVERSION_ERRORS:
        return _json_array(values)
    return array if _storable(array.type) else _json_array(values)


def _storable(type_: pa.DataType) -> bool:
    """Whether Parquet can store the type: no struct without fields, at any depth."""
    if pa.types.is_struct(type_):
        return type_.num_fields > 0 and all(_storable(f.type) for f in type_)
    if pa.types.is_list(type_) or pa.types.is_large_list(type_) or pa.types.is_fixed_size_list(type_):
        return _storable(type_.value_type)
    if pa.types.is_map(type_):
        return _storable(type_.key_type) and _storable(type_.item_type)
    return True


def group_table(rows: Sequence[dict[str, Any]]) -> pa.Table:
    """One row group: a column for every key any row has (pyarrow's from_pylist would take
    the first row's keys only), the `zhclean` column always present and typed."""
    keys = list(dict.fromkeys(key for row in rows for key in row))
    if META_COLUMN not in keys:
        keys.append(META_COLUMN)
    columns = []
    for key in keys:
        values = [row.get(key) for row in rows]
        columns.append(_meta_column(values) if key == META_COLUMN else _column(values))
    return pa.Table.from_arrays(columns, names=keys)


def empty_schema() -> pa.Schema:
    """The schema of a part with no rows: just the typed `zhclean` column."""
    return pa.schema([pa.field(META_COLUMN, metadata_type())])


# --- JSON text ------------------------------------------------------------------------------

def _json_default(value: Any) -> Any:
    """What orjson cannot encode: bytes as their UTF-8 text (bad bytes escaped), the rest
    (Decimal, ...) as str()."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "backslashreplace")
    return str(value)


def _json_text(value: Any) -> str | None:
    """A value as text: strings as they are, null as null, the rest as JSON."""
    if value is None or isinstance(value, str):
        return value
    try:
        return orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS).decode()
    except (orjson.JSONEncodeError, TypeError):  # ints beyond 64 bits
        return json.dumps(value, ensure_ascii=False, default=_json_default)


def _json_array(values: Iterable[Any]) -> pa.Array:
    return pa.array([_json_text(v) for v in values], type=pa.string())


# --- unifying schemas -----------------------------------------------------------------------

def _is_text(type_: pa.DataType) -> bool:
    return pa.types.is_string(type_) or pa.types.is_large_string(type_) or (
        hasattr(pa.types, "is_string_view") and pa.types.is_string_view(type_))


def unify_types(a: pa.DataType, b: pa.DataType) -> pa.DataType:
    """The type both `a` and `b` cast to: structs merged field by field (so one odd field
    does not turn the whole `zhclean` object into text), the rest by Arrow's permissive
    promotion, and string (JSON text) when even that fails."""
    if a.equals(b):
        return a
    if pa.types.is_null(a):
        return b
    if pa.types.is_null(b):
        return a
    if pa.types.is_struct(a) and pa.types.is_struct(b):
        return pa.struct(_unify_fields(list(a), list(b)))
    try:
        merged = pa.unify_schemas([pa.schema([("x", a)]), pa.schema([("x", b)])],
                                  promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return pa.string()
    return merged.field("x").type


def _unify_fields(a: list[pa.Field], b: list[pa.Field]) -> list[pa.Field]:
    """Fields of both lists by name, in first-seen order, all nullable."""
    types: dict[str, pa.DataType] = {}
    for field in [*a, *b]:
        seen = types.get(field.name)
        types[field.name] = field.type if seen is None else unify_types(seen, field.type)
    return [pa.field(name, type_) for name, type_ in types.items()]


def unify_schema(schemas: Iterable[pa.Schema]) -> pa.Schema:
    """The one schema every given schema casts to (columns in first-seen order)."""
    fields: list[pa.Field] = []
    for schema in schemas:
        fields = _unify_fields(fields, list(schema))
    return pa.schema(fields)


def unified_schema(paths: Sequence[str]) -> pa.Schema:
    """The schema all the part files cast to, from their footers only (no data is read).
    No parts at all: the empty-part schema."""
    if not paths:
        return empty_schema()
    return unify_schema(pq.read_schema(path) for path in paths)


# --- casting to a unified schema ------------------------------------------------------------

def conform_array(array: pa.Array, target: pa.DataType) -> pa.Array:
    """`array` as `target`, which `unify_types` produced from its type: nulls typed, struct
    fields added (as nulls) or conformed one by one, non-text values turned to JSON text for
    a text target, everything else cast by Arrow."""
    source = array.type
    if source.equals(target):
        return array
    if pa.types.is_null(source):
        return pa.nulls(len(array), type=target)
    if pa.types.is_struct(source) and pa.types.is_struct(target):
        return _conform_struct(array, target)
    if _is_text(target) and not _is_text(source):
        return _json_array(array.to_pylist()).cast(target)
    try:
        return array.cast(target)
    except pa.ArrowInvalid:  # e.g. int64 beyond 2**53 into float64: round, as pandas would
        return array.cast(target, safe=False)


def _conform_struct(array: pa.StructArray, target: pa.StructType) -> pa.Array:
    children = dict(zip(array.type.names, array.flatten(), strict=True))  # flatten: offsets
    arrays = [conform_array(children[f.name], f.type) if f.name in children
              else pa.nulls(len(array), type=f.type) for f in target]
    return pa.StructArray.from_arrays(arrays, fields=list(target), mask=array.is_null())


def _conform_column(column: pa.ChunkedArray, target: pa.DataType) -> pa.ChunkedArray:
    return pa.chunked_array([conform_array(chunk, target) for chunk in column.chunks], type=target)


def conform_table(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """`table` as `schema`: its columns cast, the columns it lacks filled with nulls. A column
    the schema lacks is an error rather than a silent loss."""
    missing = set(table.column_names) - set(schema.names)
    if missing:
        raise ValueError(f"schema has no column for {sorted(missing)}")
    columns = [_conform_column(table.column(f.name), f.type) if f.name in table.column_names
               else pa.chunked_array([pa.nulls(table.num_rows, type=f.type)], type=f.type)
               for f in schema]
    return pa.Table.from_arrays(columns, schema=schema)


# --- combining files ------------------------------------------------------------------------

def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def concat_parts(paths: Sequence[str], dest: str, schema: pa.Schema | None = None) -> int:
    """Every row group of every part, in order, cast to `schema` (default: `unified_schema`)
    into one Parquet file at `dest`, one row group in memory at a time. Written under
    `dest + ".tmp"` and renamed, so `dest` may be one of `paths`. Returns the rows written."""
    schema = unified_schema(paths) if schema is None else schema
    temp = dest + ".tmp"
    rows = 0
    try:
        with pq.ParquetWriter(temp, schema, compression=COMPRESSION) as writer:
            for path in paths:
                with pq.ParquetFile(path) as source:
                    rows += _copy_groups(source, writer, schema)
        os.replace(temp, dest)
    except BaseException:
        _remove(temp)
        raise
    return rows


def _copy_groups(source: pq.ParquetFile, writer: pq.ParquetWriter, schema: pa.Schema) -> int:
    rows = 0
    for index in range(source.num_row_groups):
        table = source.read_row_group(index)
        writer.write_table(conform_table(table, schema))
        rows += table.num_rows
    return rows


def conform_part(path: str, schema: pa.Schema, dest: str) -> int:
    """One part cast to `schema` (the `unified_schema` of a folder of parts, so every part of
    the folder reads with the same schema). `dest` may be `path`. Returns the rows."""
    return concat_parts([path], dest, schema)


# --- the writer -----------------------------------------------------------------------------

class ParquetPartWriter:
    """Writes records as one Parquet file at `path`, in row groups of `rows_per_group`.

    The first `LOOKAHEAD_GROUPS` groups are held as tables and written under their unified
    schema, so early drift costs nothing. After that, groups go to temporary sub-files
    (`path.tmp-0`, `path.tmp-1`, ...): a group that fits the current sub-file's schema (after
    casting: a column it lacks is filled with nulls) goes there; a group that widens it
    starts the next sub-file with the widened schema. `close()` renames a lone sub-file to
    `path`, or streams all of them into `path` cast to their unified schema (one extra pass
    over the part, only when late drift happened), and removes the temporary files either
    way. No rows: an empty file with the typed `zhclean` column. The caller renames `path`
    to its final name."""

    def __init__(self, path: str, rows_per_group: int = 2048) -> None:
        if rows_per_group < 1:
            raise ValueError("rows_per_group must be at least 1")
        self.path = path
        self.rows_per_group = rows_per_group
        self.rows = 0
        self._buffer: list[dict[str, Any]] = []
        self._pending: list[pa.Table] | None = []  # None once the first sub-file is open
        self._subpaths: list[str] = []
        self._writer: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None
        self._closed = False

    def __enter__(self) -> ParquetPartWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

    def write(self, record: dict[str, Any]) -> None:
        self._buffer.append(record)
        if len(self._buffer) >= self.rows_per_group:
            self._flush()

    def _flush(self) -> None:
        rows, self._buffer = self._buffer, []
        if not rows:
            return
        table = group_table(rows)
        self.rows += len(rows)
        if self._pending is None:
            self._write_group(table)
            return
        self._pending.append(table)
        if len(self._pending) >= LOOKAHEAD_GROUPS:
            self._release_pending()

    def _release_pending(self) -> None:
        """Open the first sub-file with the schema of every held group, and write them."""
        pending, self._pending = self._pending or [], None
        if pending:
            self._open_subfile(unify_schema(t.schema for t in pending))
        for table in pending:
            self._write_group(table)

    def _write_group(self, table: pa.Table) -> None:
        """Into the current sub-file when its schema holds the group, else into a new one."""
        assert self._schema is not None
        widened = unify_schema([self._schema, table.schema])
        if not widened.equals(self._schema):
            self._close_subfile()
            self._open_subfile(widened)
        assert self._writer is not None
        self._writer.write_table(conform_table(table, widened))

    def _open_subfile(self, schema: pa.Schema) -> None:
        self._schema = schema
        self._subpaths.append(f"{self.path}.tmp-{len(self._subpaths)}")
        self._writer = pq.ParquetWriter(self._subpaths[-1], schema, compression=COMPRESSION)

    def _close_subfile(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def close(self) -> int:
        """Finish the file at `path`; returns the rows written. Calling it again is a no-op."""
        if self._closed:
            return self.rows
        try:
            self._flush()
            self._release_pending()
            self._close_subfile()
            self._finish()
        finally:
            self._closed = True
            self._remove_temporaries()
        return self.rows

    def _finish(self) -> None:
        if not self._subpaths:
            pq.write_table(empty_schema().empty_table(), self.path, compression=COMPRESSION)
        elif len(self._subpaths) == 1:
            os.replace(self._subpaths[0], self.path)
        else:
            concat_parts(self._subpaths, self.path)

    def abort(self) -> None:
        """Drop everything written so far (the temporary files); `path` is not written."""
        self._buffer, self._pending = [], None
        self._close_subfile()
        self._closed = True
        self._remove_temporaries()

    def _remove_temporaries(self) -> None:
        for path in self._subpaths:
            _remove(path)
