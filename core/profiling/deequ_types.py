"""Deequ's per-value type inference (Integral, Fractional, Boolean, String, missing) on arrow arrays.

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

_DIGIT0, _DOT, _MINUS = 48, 46, 45


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
    return Classified(counts, values.to_numpy(zero_copy_only=False).astype(np.float64))


def _classify_floats(array: pa.Array) -> Classified:
    # A float column handed over by a caller: NaN counts as missing (it has no Deequ text form).
    numbers = array.to_numpy(zero_copy_only=False).astype(np.float64)
    present = numbers[~np.isnan(numbers)]
    counts = TypeCounts(fractional=len(present), missing=len(numbers) - len(present))
    return Classified(counts, present)


def _classify_text(array: pa.StringArray) -> Classified:
    # Empty text is missing, like an empty CSV field (Spark's CSV null value).
    if pc.sum(pc.equal(pc.binary_length(array), 0)).as_py():
        array = pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)
    values = array.drop_null()
    missing = len(array) - len(values)
    if len(values) == 0:
        return Classified(TypeCounts(missing=missing), np.empty(0))
    fast = _fast_numeric(values)
    if fast is not None:
        fractional, numbers = fast
        counts = TypeCounts(integral=len(values) - fractional, fractional=fractional,
                            missing=missing)
        return Classified(counts, numbers)
    return _classify_with_regexes(values, missing)


def _fast_numeric(values: pa.StringArray) -> tuple[int, np.ndarray] | None:
    """Prove every value is a plain decimal Deequ accepts; return (#fractional, numbers).

    Accepted shapes: ``-?digits`` and ``-?digits.digits``. Returns None for anything else
    (exponents, '+', spaces, letters), which the regex route then decides.
    """
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32,
                            count=len(values) + 1, offset=values.offset * 4)
    raw = np.frombuffer(values.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    offsets = offsets - offsets[0]
    is_digit = (raw - np.uint8(_DIGIT0)) < 10
    is_dot = raw == _DOT
    is_minus = raw == _MINUS
    if not np.all(is_digit | is_dot | is_minus):
        return None
    starts = np.zeros(raw.size + 1, dtype=bool)
    starts[offsets] = True  # starts[len] marks the end of the last value
    ends_at = starts[1:]  # True at the last byte of each value
    # '-' only as the first byte and followed by a digit of the same value.
    minus_at = np.flatnonzero(is_minus)
    if minus_at.size and not (np.all(starts[minus_at]) and not np.any(ends_at[minus_at])
                              and np.all(is_digit[minus_at + 1])):
        return None
    # '.' needs a digit on each side inside the same value, and at most one per value.
    dot_at = np.flatnonzero(is_dot)
    if dot_at.size:
        if np.any(starts[dot_at]) or np.any(ends_at[dot_at]):
            return None
        if not (np.all(is_digit[dot_at - 1]) and np.all(is_digit[dot_at + 1])):
            return None
    # A second '.' in one value ("1.2.3") makes arrow's parse fail, so after a successful
    # parse the dot count is the number of fractional values.
    try:
        numbers = pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return int(dot_at.size), numbers


def _classify_with_regexes(values: pa.StringArray, missing: int) -> Classified:
    fractional = pc.match_substring_regex(values, FRACTIONAL_PATTERN)
    integral = pc.match_substring_regex(values, INTEGRAL_PATTERN)
    boolean = pc.match_substring_regex(values, BOOLEAN_PATTERN)
    n_frac = pc.sum(fractional).as_py() or 0
    n_int = pc.sum(integral).as_py() or 0
    n_bool = pc.sum(boolean).as_py() or 0
    counts = TypeCounts(integral=n_int, fractional=n_frac, boolean=n_bool,
                        string=len(values) - n_frac - n_int - n_bool, missing=missing)
    numbers = None
    if counts.string == 0 and counts.boolean == 0:
        # Deequ allows one space after the sign ("- 5"); the number is the same without it.
        unspaced = pc.replace_substring(values, " ", "")
        numbers = pc.cast(unspaced, pa.float64()).to_numpy(zero_copy_only=False)
    return Classified(counts, numbers)
