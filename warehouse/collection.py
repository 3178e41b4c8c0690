"""Fewer young-generation garbage collections while a load runs.

A load makes hundreds of thousands of small container objects (mention rows, parameter tuples,
result rows) that live for one batch and hold no reference cycles, yet each of them is traced
by every young collection that happens while it lives, and the survivors are promoted until a
full collection walks the whole heap.  With CPython's default of a collection every 700
allocations, that was about a fifth of a 10,000-article SQLite load's CPU time.  A larger
first threshold inside the load collects the same cycles, in fewer and larger passes; memory
stays bounded, since a cycle still waits at most one (larger) young generation.

The thresholds are process-wide, so entries by several threads are counted: the first one
raises the threshold, the last one out puts back what was there before.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 50_000  # allocations between young collections inside a load (CPython's is 700)

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, ...] = ()


@contextmanager
def fewer_collections(young: int = YOUNG_THRESHOLD) -> Iterator[None]:
    """Raise the young generation's threshold to ``young`` (never lower it) until the block ends."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            if _saved[0] and _saved[0] < young:  # 0 means collection is off: leave it off
                gc.set_threshold(young, *_saved[1:])
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.set_threshold(*_saved)
