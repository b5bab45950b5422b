"""Deequ's per-value type inference (Integral, Fractional, Boolean, String, missing) in arrow.

Text values are classified with Deequ's anchored regexes. Most numeric columns take a fast,
equivalent route: arrow parses the column and a byte-level check proves every value has a
spelling Deequ accepts; anything unusual falls back to the regexes themselves.

The numbers behind the numeric statistics are what Deequ's profiler sees after casting a
numeric column (ColumnProfiler.castNumericStringColumns): Spark's string-to-long cast for an
Integral column, Java's ``Double.parseDouble`` for a Fractional one. Both turn a sign followed
by a space (``- 5``) into null, and the long cast also nulls a value beyond int64; such
values still count as present (completeness is taken before the cast).
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
# Deequ allows one space after the sign; neither of Spark's casts does.
_SIGN_SPACE_PATTERN = r"^[-+] "
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
# The per-value classes a column of each reported type holds (see ``accepted_classes``).
_CLASSES = ("integral", "fractional", "boolean", "string")


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

    def share_of(self, column_type: str,
                 accepted: tuple[str, ...] | None = None) -> float | None:
        """The share of non-null values a column of ``column_type`` may hold (the data-type
        check's ratio); None when there is nothing to judge.

        ``accepted`` narrows the value classes that match (a subset of
        ``accepted_classes(column_type)``, such as the classes a baseline really held).
        Deequ's ratio (Constraint.scala ``ratioTypes``) is 0.0 when no value is of the type,
        so a window whose values are all missing gets 0.0 for a typed baseline. A baseline
        that is itself Unknown has nothing to hold but missing values.
        """
        present = self.present
        if column_type == "Unknown":
            return 0.0 if present else None
        if accepted is None:
            accepted = accepted_classes(column_type)
        if not accepted:
            return None
        matching = sum(getattr(self, name) for name in accepted)
        return matching / present if present else 0.0


def classes_of(counts: TypeCounts) -> tuple[str, ...]:
    """The value classes ``counts`` holds at least one value of."""
    return tuple(name for name in _CLASSES if getattr(counts, name))


def accepted_classes(column_type: str) -> tuple[str, ...]:
    """The value classes a column inferred as ``column_type`` can hold.

    Derived from the inference rule itself so that checking agrees with inferring: a class
    is accepted when some mix of classes that includes it is inferred as ``column_type``.
    Integral holds integral values only; Fractional holds fractional and integral ones
    ("1.5, 2" is Fractional); String holds every class (one text value, or booleans mixed
    with numbers, make a column String, and SageMaker reports Boolean as String).
    """
    accepted: set[str] = set()
    for mask in range(1, 2 ** len(_CLASSES)):
        mix = [name for i, name in enumerate(_CLASSES) if mask >> i & 1]
        if TypeCounts(**dict.fromkeys(mix, 1)).inferred_type() == column_type:
            accepted.update(mix)
    return tuple(name for name in _CLASSES if name in accepted)


@dataclass
class Classified:
    """One chunk of a column: its type counts and, when every value is numeric, the numbers.

    ``numbers`` are the values as a Fractional column's statistics see them (Java's
    ``Double.parseDouble``), ``longs`` as an Integral column's see them (Spark's long cast,
    as doubles); each float64, cast nulls dropped, in order. ``longs`` is None when the chunk
    holds a fractional value (the column can no longer be Integral) and is ``numbers`` itself
    when both readings agree, which is nearly always.
    """

    counts: TypeCounts
    numbers: np.ndarray | None  # None if any value is not numeric
    longs: np.ndarray | None = None


def classify(array: pa.Array | pa.ChunkedArray) -> Classified:
    """Classify one column chunk the way Deequ would classify the same values read as text."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    kind = array.type
    if pa.types.is_dictionary(kind):
        array = array.dictionary_decode()
        kind = array.type
    if pa.types.is_integer(kind):
        return _classify_integers(array)
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


def _classify_integers(array: pa.Array) -> Classified:
    values = array.drop_null()
    counts = TypeCounts(integral=len(values), missing=array.null_count)
    if pa.types.is_uint64(values.type):  # beyond int64 the long cast gives null
        values = values.filter(pc.less_equal(values, pa.scalar(_LONG_MAX, pa.uint64())))
    numbers = primitive_values(values).astype(np.float64)
    return Classified(counts, numbers, numbers)


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
        return Classified(TypeCounts(missing=missing), np.empty(0), np.empty(0))
    fast = _fast_numeric(values, offsets, raw)
    if fast is not None:
        fractional, numbers, longs = fast
        counts = TypeCounts(integral=len(values) - fractional, fractional=fractional,
                            missing=missing)
        return Classified(counts, numbers, longs)
    return _classify_with_regexes(values, offsets, raw, missing)


def _buffers(values: pa.StringArray) -> tuple[np.ndarray, np.ndarray]:
    """Value offsets (rebased to 0) and the UTF-8 bytes of a null-free string array."""
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32,
                            count=len(values) + 1, offset=values.offset * 4)
    data = values.buffers()[2]
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, np.uint8)
    return offsets - offsets[0], raw[offsets[0]:offsets[-1]]


def _fast_numeric(values: pa.StringArray, offsets: np.ndarray, raw: np.ndarray
                  ) -> tuple[int, np.ndarray, np.ndarray | None] | None:
    """Prove every value is a plain decimal Deequ accepts; return (#fractional, numbers, longs).

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
                longs = primitive_values(pc.cast(values, pa.int64())).astype(np.float64)
            except pa.ArrowInvalid:
                pass  # beyond int64: parse as doubles below
            else:
                return 0, _negative_zeros(longs, first), longs
        numbers = primitive_values(pc.cast(values, pa.float64()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    # A second '.' in one value ("1.2.3") fails arrow's parse, so each '.' is one value.
    return dots, numbers, (_spark_longs(values) if dots == 0 else None)


def _negative_zeros(longs: np.ndarray, first: np.ndarray) -> np.ndarray:
    """The double reading of integer text: "-0" parses as -0.0, though its long is 0."""
    minus_zero = (longs == 0.0) & (first == _MINUS)
    if not minus_zero.any():
        return longs
    numbers = longs.copy()
    numbers[minus_zero] = -0.0
    return numbers


def _spark_longs(values: pa.StringArray) -> np.ndarray:
    """Integral text as Spark's long cast reads it (UTF8String.toLong: surrounding white
    space trimmed, one sign, digits; null past int64), nulls dropped, as doubles."""
    plain = pc.replace_substring_regex(values, r"^ ?\+?", "")  # " 5", "+5" -> "5"
    try:
        return primitive_values(pc.cast(plain, pa.int64())).astype(np.float64)
    except pa.ArrowInvalid:  # some value beyond int64 (rare): decide value by value
        kept = [int(text) for text in plain.to_pylist() if _LONG_MIN <= int(text) <= _LONG_MAX]
        return np.array(kept, dtype=np.int64).astype(np.float64)


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
    if n_candidates:
        subset = values if n_candidates == len(values) else values.filter(arrow_mask(candidate))
        counts.fractional = _count(subset, FRACTIONAL_PATTERN)
        counts.integral = _count(subset, INTEGRAL_PATTERN)
        counts.boolean = _count(subset, BOOLEAN_PATTERN)
        counts.string += n_candidates - counts.fractional - counts.integral - counts.boolean
    if counts.string or counts.boolean:
        return Classified(counts, None)
    # Every value is numeric. A sign followed by a space is null for both casts; the only
    # other space Deequ allows leads the value, which both casts trim.
    sign_space = pc.match_substring_regex(values, _SIGN_SPACE_PATTERN)
    if pc.any(sign_space).as_py():
        values = values.filter(pc.invert(sign_space))
    numbers = primitive_values(pc.cast(pc.utf8_ltrim(values, " "), pa.float64()))
    longs = _spark_longs(values) if counts.fractional == 0 else None
    if longs is not None and np.array_equal(longs, numbers) and \
            not np.signbit(numbers[numbers == 0.0]).any():
        longs = numbers
    return Classified(counts, numbers, longs)


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
