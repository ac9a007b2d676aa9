"""``collector_paused``: Python's cyclic garbage collector held off while many objects are made."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block (nesting is fine).

    A Pyomo model is millions of small objects that live for the whole run, and each full
    collection walks them all: with the collector on, build, compile, extract and the workbook
    write spent about a third of their time in collections on the L network, and the workbook
    read (after pandas and Pyomo are imported) about a third of its time too
    (docs/performance.md). Reference counting still frees everything that is not cyclic; cyclic
    garbage waits for the collector to resume (``study`` collects between points).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def hold_for_the_process() -> None:
    """Turn the cyclic collector off for the rest of a process that runs one job and then ends
    (``run.py``; each bench case, which runs as ``run.py`` does).

    A run's Pyomo model is cyclic garbage once its results are extracted, and the first
    collection after ``run_once`` freed it: 52-65 ms on the L network (192,000 objects), 1% of
    that run, spent although the process frees everything at once when it ends
    (``run.exit_now``). Held off, nothing is collected, and L's peak memory grew by 2.5 MB. Code
    that builds another model frees the earlier ones first (``gc.collect()`` in
    ``model.study.run_study`` and ``solve_point``, and in
    ``model.diagnose.explain_infeasibility``), so a sweep or an infeasibility explanation does
    not hold two large models at once.
    """
    gc.disable()


@contextmanager
def survivors_frozen() -> Iterator[None]:
    """For the block, everything alive at its start is out of the cyclic collector's sight
    (``gc.freeze``): a ``gc.collect`` inside it walks only what the block made.

    Independent solves run one after another in this process (the stress atlas's cases, a sweep's
    points) each free their model with ``gc.collect()``; without the freeze each collection also
    walked the run's own results and the network, about 0.1 s a case on the sample, 30% of its
    atlas (docs/performance.md)."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
