"""Deequ's per-value type inference (Integral, Fractional, Boolean, String, missing) in arrow.

Text values are classified with Deequ's anchored regexes. Most numeric columns take a fast,
equivalent route: arrow parses the column and a byte-level check proves every value has a
spelling Deequ accepts; anything unusual falls back to the regexes themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Deequ's StatefulDataType patterns. RE2 (arrow) and Java agree on them: \d is ASCII only
# here and Scala matches the whole value.
FRACTIONAL_PATTERN = r"^(-|\+)? ?\d+((\.\d+)|((?:\.\d+)?[Ee][-+]?\d+))$"
INTEGRAL_PATTERN = r"^(-|\+)? ?\d+$"
BOOLEAN_PATTERN = r"^(true|false)$"

_DIGIT0, _DOT, _MINUS = 48, 46, 45  # ASCII '0', '.', '-'


@dataclass
class TypeCounts:
    """How many values of a column fell in each Deequ type class."""

    integral: int = 0
    fractional: int = 0
    boolean: int = 0
    string: int = 0
    missing: int = 0

    def add(self, other: TypeCounts) -> None:
        self.integral += other.integral
        self.fractional += other.fractional
        self.boolean += other.boolean
        self.string += other.string
        self.missing += other.missing

    @property
    def present(self) -> int:
        return self.integral + self.fractional + self.boolean + self.string

    def inferred_type(self) -> str:
        """Deequ's decision rule, with Boolean reported as String as SageMaker lists no Boolean."""
        if self.present == 0:
            return "Unknown"
        if self.string or self.boolean:
            return "String"
        return "Fractional" if self.fractional else "Integral"


@dataclass
class Classified:
    """One chunk of a column: its type counts and, when every value is numeric, the numbers."""

    counts: TypeCounts
    numbers: np.ndarray | None  # float64, nulls dropped, in order; None if any non-numeric


def classify(array: pa.Array | pa.ChunkedArray) -> Classified:
    """Classify one column chunk the way Deequ would classify the same values read as text."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    kind = array.type
    if pa.types.is_dictionary(kind):
        array = array.dictionary_decode()
        kind = array.type
    if pa.types.is_integer(kind):
        return _classify_typed(array, integral=True)
    if pa.types.is_floating(kind):
        return _classify_floats(array)
    if pa.types.is_boolean(kind):
        present = len(array) - array.null_count
        return Classified(TypeCounts(boolean=present, missing=array.null_count), None)
    if pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        array = array.cast(pa.string())
    elif not pa.types.is_string(kind):
        array = array.cast(pa.string())
    return _classify_text(array)


def _classify_typed(array: pa.Array, *, integral: bool) -> Classified:
    values = array.drop_null()
    counts = TypeCounts(missing=array.null_count)
    if integral:
        counts.integral = len(values)
    else:
        counts.fractional = len(values)
    return Classified(counts, primitive_values(values).astype(np.float64))


def _classify_floats(array: pa.Array) -> Classified:
    # A float column handed over by a caller: NaN counts as missing (it has no Deequ text form).
    numbers = primitive_values(array.fill_null(np.nan)).astype(np.float64)
    present = numbers[~np.isnan(numbers)]
    counts = TypeCounts(fractional=len(present), missing=len(numbers) - len(present))
    return Classified(counts, present)


def _classify_text(array: pa.StringArray) -> Classified:
    values = array.drop_null() if array.null_count else array
    offsets, raw = _buffers(values)
    empty = offsets[1:] == offsets[:-1]
    if empty.any():  # empty text is missing, like an empty CSV field (Spark's null value)
        values = values.filter(arrow_mask(~empty))
        offsets, raw = _buffers(values)
    missing = len(array) - len(values)
    if len(values) == 0:
        return Classified(TypeCounts(missing=missing), np.empty(0))
    fast = _fast_numeric(values, offsets, raw)
    if fast is not None:
        fractional, numbers = fast
        counts = TypeCounts(integral=len(values) - fractional, fractional=fractional,
                            missing=missing)
        return Classified(counts, numbers)
    return _classify_with_regexes(values, offsets, raw, missing)


def _buffers(values: pa.StringArray) -> tuple[np.ndarray, np.ndarray]:
    """Value offsets (rebased to 0) and the UTF-8 bytes of a null-free string array."""
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32,
                            count=len(values) + 1, offset=values.offset * 4)
    data = values.buffers()[2]
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, np.uint8)
    return offsets - offsets[0], raw[offsets[0]:offsets[-1]]


def _fast_numeric(values: pa.StringArray, offsets: np.ndarray,
                  raw: np.ndarray) -> tuple[int, np.ndarray] | None:
    """Prove every value is a plain decimal Deequ accepts; return (#fractional, numbers).

    With only digits, '.' and '-' in the bytes, arrow's parse succeeding leaves exactly
    ``-?digits``, ``-?digits.digits`` and the forms Deequ rejects but arrow accepts: a '.'
    first (after an optional '-') or last. Anything else (exponents, '+', spaces, letters)
    returns None and the regex route decides.
    """
    shifted = raw - np.uint8(_MINUS)  # '-' -> 0, '.' -> 1, '/' -> 2, '0'..'9' -> 3..12
    if not np.all((shifted <= 12) & (shifted != 2)):
        return None
    first = raw[offsets[:-1]]
    if np.any(first == _DOT) or np.any(raw[offsets[1:] - 1] == _DOT):
        return None
    signed = offsets[:-1][first == _MINUS]
    if signed.size and np.any(raw[np.minimum(signed + 1, raw.size - 1)] == _DOT):
        return None
    dots = int(np.count_nonzero(raw == _DOT))
    try:
        if dots == 0:  # integers parse faster; int64 -> double rounds like parsing would
            try:
                return 0, primitive_values(pc.cast(values, pa.int64())).astype(np.float64)
            except pa.ArrowInvalid:
                pass  # beyond int64: parse as doubles below
        numbers = primitive_values(pc.cast(values, pa.float64()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    # A second '.' in one value ("1.2.3") fails arrow's parse, so each '.' is one value.
    return dots, numbers


def _classify_with_regexes(values: pa.StringArray, offsets: np.ndarray, raw: np.ndarray,
                           missing: int) -> Classified:
    # Only values starting with a digit, a sign or a space can be numeric, and only 't'/'f'
    # can start a boolean: the regexes run on those alone (often none, for text columns).
    first = raw[offsets[:-1]]
    shifted = first - np.uint8(_DIGIT0)
    candidate = (shifted < 10) | (first == _MINUS) | (first == 43) | (first == 32) | \
        (first == 116) | (first == 102)
    n_candidates = int(np.count_nonzero(candidate))
    counts = TypeCounts(string=len(values) - n_candidates, missing=missing)
    numbers = None
    if n_candidates:
        subset = values if n_candidates == len(values) else values.filter(arrow_mask(candidate))
        counts.fractional = _count(subset, FRACTIONAL_PATTERN)
        counts.integral = _count(subset, INTEGRAL_PATTERN)
        counts.boolean = _count(subset, BOOLEAN_PATTERN)
        counts.string += n_candidates - counts.fractional - counts.integral - counts.boolean
    if counts.string == 0 and counts.boolean == 0:
        # Deequ allows one space after the sign ("- 5"); the number is the same without it.
        unspaced = pc.replace_substring(values, " ", "")
        numbers = primitive_values(pc.cast(unspaced, pa.float64()))
    return Classified(counts, numbers)


def arrow_mask(mask: np.ndarray) -> pa.BooleanArray:
    """A numpy bool array as an arrow one (``pa.array`` would import pandas to check it)."""
    bits = np.packbits(mask, bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(mask), [None, pa.py_buffer(bits)])


def primitive_values(array: pa.Array) -> np.ndarray:
    """A null-free numeric arrow array as numpy, without arrow's pandas-aware conversion
    (``to_numpy`` imports pandas: half a second of start-up for nothing here)."""
    kind = array.type
    if array.null_count == 0 and (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
        code = "f" if pa.types.is_floating(kind) else \
            "i" if pa.types.is_signed_integer(kind) else "u"
        dtype = np.dtype(f"{code}{kind.bit_width // 8}")
        return np.frombuffer(array.buffers()[1], dtype=dtype, count=len(array),
                             offset=array.offset * dtype.itemsize)
    return array.to_numpy(zero_copy_only=False)


def _count(values: pa.StringArray, pattern: str) -> int:
    return int(pc.sum(pc.match_substring_regex(values, pattern)).as_py() or 0)
