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
