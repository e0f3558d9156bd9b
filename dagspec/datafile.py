"""A data file's path → a DataFrame, read safely: only a regular file, only up to a size limit, never code.

Devices (`/dev/zero`), pipes (a FIFO would block forever), folders and sockets are refused before anything is
read, and a regular file is read in one bounded read of at most the limit (so a file that grows while it is
read cannot exhaust memory either); compressed files (.gz, .bz2, .xz) and Parquet's columns must unpack to at
most the limit too. The limit is DAGSPEC_MAX_DATA_BYTES (bytes, or with a unit: `500M`,
`2G`; default 1G), or the `max_bytes` argument of `read_table`. CSV files separated by semicolons, tabs or
bars are recognised from their header line; a semicolon-separated file's decimal commas (`1,5`) are read as
numbers. JSON is an object of named arrays (posteriordb's data.json).
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import re
import stat
from pathlib import Path

import pandas as pd

from .scalars import SCALARS_ATTR, json_scalars

LIMIT_VARIABLE = "DAGSPEC_MAX_DATA_BYTES"
DEFAULT_LIMIT = "1G"
UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
SEPARATORS = (";", "\t", "|")  # recognised when the header line has no comma
LEFT_OUT = "dagspec_left_out"  # frame.attrs key: JSON arrays that are not columns → why
SOURCE = "dagspec_file"  # frame.attrs key: the file a frame was read from
COMPRESSED = {".gz": gzip, ".bz2": bz2, ".xz": lzma}  # unpacked with the same limit
DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d*,?\d+\s*$")


class DataFileError(Exception):
    """A data file dagspec will not or cannot read: the diagnostic code and the fields of its message."""

    def __init__(self, code: str, **fields):
        super().__init__(code)
        self.code, self.fields = code, fields


def size_limit() -> int:
    """The most bytes a data file may have: DAGSPEC_MAX_DATA_BYTES, else 1 GiB (ValueError if it is no size)."""
    text = os.environ.get(LIMIT_VARIABLE, "").strip() or DEFAULT_LIMIT
    match = re.fullmatch(r"(\d+)\s*([KMGT]?)i?B?", text, re.IGNORECASE)
    if match is None:
        raise ValueError(f"{LIMIT_VARIABLE}={text!r} is not a size (write bytes, or e.g. 500M, 2G)")
    return int(match.group(1)) * UNITS[match.group(2).upper()]


def human_size(count: int) -> str:
    """2147483648 → `2 GiB`."""
    for unit in ("T", "G", "M", "K"):
        if count >= UNITS[unit]:
            return f"{count / UNITS[unit]:.3g} {unit}iB"
    return f"{count} bytes"


def read_table(path: Path, max_bytes: int | None = None) -> pd.DataFrame:
    """Read a CSV, Parquet or JSON file; raises FileNotFoundError, or DataFileError with a code.

    JSON is an object of named arrays (as posteriordb's data.json): the arrays of the most common length are
    the columns, single values are data scalars (`attrs`), and `frame.attrs["dagspec_left_out"]` says why other
    arrays are left out.
    `frame.attrs["dagspec_file"]` is the path, so that messages about the data can name it."""
    path = Path(path)
    try:
        limit = size_limit() if max_bytes is None else max_bytes
    except ValueError as exc:
        raise DataFileError("DS503", path=str(path), reason=str(exc)) from None
    content = read_bounded(path, limit)
    suffixes = [suffix.lower() for suffix in path.suffixes] or [""]
    try:
        if suffixes[-1] in COMPRESSED:
            content = _decompressed(COMPRESSED[suffixes.pop()], content, limit, path)
        if not content.strip():
            raise DataFileError("DS522", path=str(path))
        if suffixes[-1] in (".parquet", ".pq"):
            frame = _parquet_table(content, limit, path)
        elif suffixes[-1] == ".json":
            frame = _json_table(content)
        else:
            frame = _csv_table(content)
    except DataFileError:
        raise
    except (OSError, EOFError, ValueError, ImportError, lzma.LZMAError) as exc:  # unpacking and parse errors
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataFileError("DS503", path=str(path), reason=reason) from None
    frame.attrs[SOURCE] = str(path)
    return frame


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes (FileNotFoundError, or DataFileError DS520/DS521)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO opens without a writer
    except FileNotFoundError:
        raise
    except OSError as exc:  # permissions, a name too long, ...
        raise DataFileError("DS503", path=str(path), reason=exc.strerror or str(exc)) from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise DataFileError("DS520", path=str(path), kind=_kind(info.st_mode))
        if info.st_size > limit:
            raise _too_large(path, human_size(info.st_size), limit)
        file = os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise
    with file:
        try:
            content = file.read(limit + 1)
        except OSError as exc:
            raise DataFileError("DS503", path=str(path), reason=exc.strerror or str(exc)) from None
    if len(content) > limit:  # it grew while being read
        raise _too_large(path, f"more than {human_size(limit)}", limit)
    return content


def _too_large(path: Path, size: str, limit: int) -> DataFileError:
    return DataFileError("DS521", path=str(path), size=size, limit=human_size(limit), variable=LIMIT_VARIABLE)


def _kind(mode: int) -> str:
    kinds = [
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((words for test, words in kinds if test(mode)), "not a regular file")


def _decompressed(module, content: bytes, limit: int, path: Path) -> bytes:
    """A compressed file's content, unpacked only up to the limit (a small file can unpack to terabytes)."""
    with module.open(io.BytesIO(content)) as file:
        unpacked = file.read(limit + 1)
    if len(unpacked) > limit:
        raise _too_large(path, f"more than {human_size(limit)} unpacked", limit)
    return unpacked


def _parquet_table(content: bytes, limit: int, path: Path) -> pd.DataFrame:
    """A Parquet file's table, if its columns unpack to at most the limit, as its metadata tells: their
    uncompressed size, and 8 bytes per value at least (encodings make a column of repeated values tiny)."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    metadata = pq.ParquetFile(io.BytesIO(content)).metadata
    size = max(
        sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups)),
        8 * metadata.num_rows * metadata.num_columns,
    )
    if size > limit:
        raise _too_large(path, f"{human_size(size)} unpacked", limit)
    return pd.read_parquet(io.BytesIO(content))


def _csv_table(content: bytes) -> pd.DataFrame:
    header = content[:65536].split(b"\n", 1)[0].decode("utf-8", errors="replace")
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    separator = "," if "," in header or not any(counts.values()) else max(counts, key=lambda sep: counts[sep])
    frame = pd.read_csv(io.BytesIO(content), sep=separator)
    if separator == ";":
        for name in frame.columns:
            frame[name] = _decimal_commas(frame[name])
    return frame


def _decimal_commas(column: pd.Series) -> pd.Series:
    """A text column of numbers written with decimal commas (`1,5`), as semicolon-separated files write them,
    → numbers; any other column unchanged."""
    if column.dtype.kind in "biufcmM":
        return column
    present = column.dropna()
    text = present.astype(str)
    if present.empty or not text.str.contains(",", regex=False).any() or not text.str.match(DECIMAL_COMMA).all():
        return column
    return pd.to_numeric(column.astype(str).str.replace(",", ".", regex=False).where(column.notna()))


def _json_table(content: bytes) -> pd.DataFrame:
    document = json.loads(content.decode("utf-8"))
    if not isinstance(document, dict):
        raise ValueError("a JSON data file must be an object of named arrays")
    arrays = {
        k: v for k, v in document.items() if isinstance(v, list) and all(not isinstance(i, (list, dict)) for i in v)
    }
    if not arrays:
        raise ValueError("the JSON object has no arrays of values")
    rows = int(pd.Series([len(v) for v in arrays.values()]).mode().max())
    columns: dict[str, list] = {k: v for k, v in arrays.items() if len(v) == rows}
    for k, v in document.items():  # a nested array with one entry per row: a matrix node's rows (posteriordb's X)
        if isinstance(v, list) and k not in arrays and len(v) == rows and all(isinstance(i, list) for i in v):
            columns[k] = v
    frame = pd.DataFrame(columns)
    frame.attrs[SCALARS_ATTR] = json_scalars(document)  # priors' hyperparameters, e.g. posteriordb's
    frame.attrs[LEFT_OUT] = {
        k: _why_left_out(v, rows) for k, v in document.items() if isinstance(v, list) and k not in frame.columns
    }
    return frame


def _why_left_out(value: list, rows: int) -> str:
    """Why a JSON array is not a column."""
    if any(isinstance(i, (list, dict)) for i in value):
        return "a nested array (a matrix?), not a column"
    return f"an array of {len(value)} values, not one per row ({rows} rows)"
