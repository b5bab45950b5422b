"""Where an execution's report goes: SageMaker's hour folder, or a sibling of its own.

SageMaker writes a data-quality report to ``{root}/{endpoint}/{schedule}/yyyy/mm/dd/HH`` of the
scheduled hour, which is enough for hourly schedules. A sub-hourly cron (``*/10 * * * *``) or
two Run-now requests put several executions in one hour, and none may write into another's
folder. So the first execution published for an hour gets ``HH`` exactly as SageMaker names
it, and each later one gets the sibling ``HH-MM-SS`` of its own scheduled time (``HH-MM-SS-02``,
``-03``... when even that is taken). Every report folder is then a leaf at the same depth, its
name starts with the hour, and names sort as text in time order (``07`` < ``07-08-00`` <
``07-10-00`` < ``08``), so readers that take the latest folder below a schedule, or copy one
hour folder, still see exactly one execution's files.

A folder is claimed by renaming the finished staging folder onto its name: the rename fails
when a report is already there, so two processes can never publish into the same folder.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from core.errors import AppError

MAX_SAME_SECOND = 999  # reports for one scheduled second before giving up
_TAKEN = {errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR, errno.EACCES}


def folder_names(scheduled_time: datetime) -> Iterator[str]:
    """The names an execution scheduled at ``scheduled_time`` may take, in order of preference."""
    t = _utc(scheduled_time)
    yield f"{t:%H}"
    own = f"{t:%H}-{t:%M}-{t:%S}"
    yield own
    for n in range(2, MAX_SAME_SECOND + 1):
        yield f"{own}-{n:02d}"


def publish_report(staging: str | Path, hour: str | Path, scheduled_time: datetime) -> Path:
    """Rename the finished ``staging`` folder to the first free name beside ``hour`` (the hour
    folder of ``core.monitoring.execution.report_folder``).

    Returns:
        The report folder now holding the files.

    Raises:
        AppError: every name for that scheduled second is taken.
    """
    staging, hour = Path(staging), Path(hour)
    for name in folder_names(scheduled_time):
        target = hour.with_name(name)
        if target.exists() and not _is_empty_dir(target):
            continue
        try:
            os.rename(staging, target)  # never replaces a folder that holds anything
        except OSError as error:
            if error.errno in _TAKEN and target.exists():
                continue  # another execution took it between the check and the rename
            raise
        return target
    raise AppError(f"{hour.parent}: already holds {MAX_SAME_SECOND} reports scheduled at "
                   f"{_utc(scheduled_time):%H:%M:%S}; move some away to run this one.")


def _is_empty_dir(path: Path) -> bool:
    try:
        with os.scandir(path) as entries:
            return next(entries, None) is None
    except NotADirectoryError:
        return False


def _utc(when: datetime) -> datetime:
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
