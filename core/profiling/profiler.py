"""Profile a table chunk by chunk into the analyzer's ``statistics.json`` document.

``TableProfiler`` keeps one mergeable accumulator per column (type counts, numeric summary
with KLL sketch, value counts); memory depends on the number of columns, not rows.
"""

from __future__ import annotations

import copy
import logging
import queue
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from core.datasets.reader import DatasetSpec, iter_batches
from core.errors import ValidationError
from core.profiling.categorical import ValueCounts
from core.profiling.deequ_types import TypeCounts, arrow_mask, classify
from core.profiling.numeric import NumericSummary
from core.progress import CancelToken, ProgressFn, no_progress

log = logging.getLogger(__name__)

# Columns of one chunk are profiled on this many threads (numpy and arrow release the GIL).
PROFILE_THREADS = 2
# Numeric-looking columns count their text values (needed only if a later value turns them
# into String) for this many rows; past it, profile_dataset recounts such a column in a
# second pass over the file, so big numeric columns skip the cost.
NUMERIC_TEXT_ROWS = 100_000


@dataclass
class ProfileResult:
    """A finished profile: the statistics document and the per-column type counts."""

    statistics: dict
    type_counts: dict[str, TypeCounts]
    item_count: int
    column_names: list[str] = field(default_factory=list)
    # per column given a domain: how many present values are inside it
    domain_counts: dict[str, int] = field(default_factory=dict)


class ColumnProfile:
    """Everything accumulated for one column."""

    def __init__(self, name: str, domain: list[str] | None = None) -> None:
        self.name = name
        self.counts = TypeCounts()
        # The baseline's domain, when checking a window: values inside it are counted
        # exactly, whatever the column's type and however many distinct values it has.
        self.domain = pa.array(domain, pa.string()) if domain is not None else None
        self.inside = 0
        # The numeric summary while the column may still be numeric: of the long reading
        # while every value is integral, then of the double reading (see ``Classified``).
        self.numeric: NumericSummary | None = NumericSummary()
        # The double reading, kept beside the long one only once they differ ("-0", a value
        # beyond int64): it takes over if a fractional value turns the column Fractional.
        self.numeric_doubles: NumericSummary | None = None
        self.values = ValueCounts()
        # False once value counts no longer cover every row (see NUMERIC_TEXT_ROWS).
        self.text_complete = True

    def update(self, array: pa.Array) -> None:
        classified = classify(array)
        was_integral = not self.counts.fractional
        self.counts.add(classified.counts)
        if self.numeric is not None:
            if classified.numbers is None or self.counts.boolean:
                self.numeric = self.numeric_doubles = None  # no longer numeric
            elif self.counts.fractional:  # Fractional, now or before: the double reading
                if was_integral and self.numeric_doubles is not None:
                    self.numeric = self.numeric_doubles
                self.numeric_doubles = None
                self.numeric.update(classified.numbers)
            else:
                if self.numeric_doubles is None and classified.longs is not classified.numbers:
                    self.numeric_doubles = copy.deepcopy(self.numeric)
                self.numeric.update(classified.longs)
                if self.numeric_doubles is not None:
                    self.numeric_doubles.update(classified.numbers)
        self._count_text(array)
        if self.domain is not None:
            inside = pc.is_in(_present_text(array), value_set=self.domain)
            self.inside += int(pc.sum(inside).as_py() or 0)

    def _count_text(self, array: pa.Array) -> None:
        rows = self.counts.present + self.counts.missing
        if self.numeric is not None and rows > NUMERIC_TEXT_ROWS:
            # Still numeric after many rows: stop counting text; a late turn to String is
            # recounted by profile_dataset (needs_text_pass).
            if self.text_complete:
                self.values, self.text_complete = ValueCounts(), False
        elif not self.values.overflowed:
            self.values.update(_present_text(array))

    def merge(self, other: ColumnProfile) -> None:
        mine_integral, theirs_integral = not self.counts.fractional, not other.counts.fractional
        self.counts.add(other.counts)
        if self.numeric is None or other.numeric is None or self.counts.boolean:
            self.numeric = self.numeric_doubles = None
        elif self.counts.fractional:  # Fractional now: merge the double readings
            self.numeric = _double_reading(self, mine_integral)
            self.numeric.merge(_double_reading(other, theirs_integral))
            self.numeric_doubles = None
        else:
            if self.numeric_doubles is not None or other.numeric_doubles is not None:
                if self.numeric_doubles is None:
                    self.numeric_doubles = copy.deepcopy(self.numeric)
                self.numeric_doubles.merge(_double_reading(other, True))
            self.numeric.merge(other.numeric)
        self.values.merge(other.values)
        self.text_complete = self.text_complete and other.text_complete
        self.inside += other.inside

    @property
    def needs_text_pass(self) -> bool:
        """A String column whose value counts miss rows read while it still looked numeric."""
        return not self.text_complete and self.counts.inferred_type() == "String"

    def feature(self) -> dict:
        """This column's entry in ``statistics.json`` ``features``: every Integral or
        Fractional feature has ``numerical_statistics``, every String one
        ``string_statistics`` (what readers such as SageMaker's examples expect); an Unknown
        one (no value at all) has neither, as in the analyzer's output."""
        kind = self.counts.inferred_type()
        feature: dict = {"name": self.name, "inferred_type": kind}
        common = {"num_present": self.counts.present, "num_missing": self.counts.missing}
        if kind in ("Integral", "Fractional"):
            feature["numerical_statistics"] = _numerical_statistics(common, self.numeric)
        elif kind == "String":
            stats: dict = {"common": common, "distinct_count": self.values.distinct()}
            if not self.values.overflowed:
                buckets = [{"value": value, "count": count}
                           for value, count in self.values.by_popularity()]
                stats["distribution"] = {"categorical": {"buckets": buckets}}
            feature["string_statistics"] = stats
        return feature


def _double_reading(column: ColumnProfile, integral: bool) -> NumericSummary:
    """The column's summary of the double reading (the long one when they never differed)."""
    if integral and column.numeric_doubles is not None:
        return column.numeric_doubles
    return column.numeric


class TableProfiler:
    """Streams record batches (columns matched by position) into per-column profiles."""

    def __init__(self, column_names: list[str],
                 domains: dict[str, list[str]] | None = None) -> None:
        """``domains``: per column name, the values to count separately (a baseline's
        ``string_constraints.domains``; see ``ProfileResult.domain_counts``)."""
        self.column_names = list(column_names)
        domains = domains or {}
        self.columns = [ColumnProfile(name, domains.get(name)) for name in self.column_names]
        self.item_count = 0

    def update(self, batch: pa.RecordBatch | pa.Table) -> None:
        """Add one batch; its columns may be text (classified like CSV fields) or numbers."""
        if batch.num_columns != len(self.columns):
            raise ValidationError(
                f"The data has {batch.num_columns} columns but the profile expects "
                f"{len(self.columns)}.")
        self.item_count += batch.num_rows
        if batch.num_rows == 0:
            return
        arrays = [batch.column(i) for i in range(batch.num_columns)]
        if batch.num_rows < 50_000 or PROFILE_THREADS < 2:
            for column, array in zip(self.columns, arrays):
                column.update(array)
            return
        with ThreadPoolExecutor(PROFILE_THREADS, thread_name_prefix="profile") as pool:
            for future in [pool.submit(c.update, a) for c, a in zip(self.columns, arrays)]:
                future.result()

    def merge(self, other: TableProfiler) -> TableProfiler:
        """Fold another profile of the same columns into this one."""
        if len(other.columns) != len(self.columns):
            raise ValidationError("Cannot merge profiles with different columns.")
        self.item_count += other.item_count
        for mine, theirs in zip(self.columns, other.columns):
            mine.merge(theirs)
        return self

    def result(self) -> ProfileResult:
        statistics = {
            "version": 0.0,
            "dataset": {"item_count": self.item_count},
            "features": [column.feature() for column in self.columns],
        }
        counts = {column.name: column.counts for column in self.columns}
        inside = {c.name: c.inside for c in self.columns if c.domain is not None}
        return ProfileResult(statistics, counts, self.item_count, list(self.column_names),
                             inside)


def profile_dataset(spec: DatasetSpec, *, progress: ProgressFn = no_progress,
                    cancel: CancelToken | None = None) -> ProfileResult:
    """Profile a whole dataset in one streaming pass.

    Raises:
        InputError: the dataset cannot be read (see :func:`core.datasets.reader.iter_batches`).
        Cancelled: ``cancel`` was set; checked between chunks.
    """
    profiler: TableProfiler | None = None
    for batch in _read_ahead(iter_batches(spec, progress=progress, cancel=cancel)):
        if profiler is None:
            profiler = TableProfiler(batch.schema.names)
        profiler.update(batch)
        if cancel is not None:
            cancel.raise_if_cancelled()
    assert profiler is not None  # iter_batches raises on a dataset without rows
    late = [i for i, column in enumerate(profiler.columns) if column.needs_text_pass]
    if late:
        _recount_text(spec, profiler, late, cancel)
    return profiler.result()


def _recount_text(spec: DatasetSpec, profiler: TableProfiler, indices: list[int],
                  cancel: CancelToken | None) -> None:
    """Second pass: exact value counts for columns that turned String late in the file."""
    log.info("recounting text of %d column(s) that turned String late", len(indices))
    fresh = {i: ValueCounts() for i in indices}
    for batch in iter_batches(spec, cancel=cancel):
        for i, counts in fresh.items():
            if not counts.overflowed:
                counts.update(_present_text(batch.column(i)))
    for i, counts in fresh.items():
        profiler.columns[i].values = counts
        profiler.columns[i].text_complete = True


def _read_ahead(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Read the next chunk on a thread while the caller profiles this one (one chunk ahead)."""
    slot: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        slot.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slot.put(done)
        except BaseException as error:  # handed to the consumer, raised there
            slot.put(error)

    reader = threading.Thread(target=produce, name="dataset-read-ahead", daemon=True)
    reader.start()
    try:
        while (item := slot.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join(timeout=5)


def _numerical_statistics(common: dict, numeric: NumericSummary | None) -> dict:
    if numeric is None or not numeric.count:
        # Every present value was null after the cast ("- 5"): Deequ's mean, min, max,
        # sum, std-dev and sketch have no value, so only the counts are written.
        return {"common": common}
    sketch = numeric.sketch
    return {
        "common": common,
        "mean": numeric.mean,
        "sum": numeric.sum,
        "std_dev": numeric.std_dev,
        "min": numeric.minimum,
        "max": numeric.maximum,
        "distribution": {"kll": {
            "buckets": numeric.buckets(),
            "sketch": {"parameters": {"c": sketch.c, "k": float(sketch.k)},
                       "data": sketch.data},
        }},
    }


def _present_text(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The column's non-missing values as text (what a categorical histogram counts)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if pa.types.is_floating(array.type):
        array = pc.filter(array, pc.invert(pc.is_nan(array)))
    if not pa.types.is_string(array.type):
        array = array.cast(pa.string())
    array = array.drop_null()
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32, count=len(array) + 1,
                            offset=array.offset * 4)
    empty = offsets[1:] == offsets[:-1]
    return array.filter(arrow_mask(~empty)) if empty.any() else array
