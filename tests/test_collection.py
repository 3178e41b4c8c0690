"""The garbage collector's young threshold inside a load: raised while it runs, put back after."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from tests.warehouse_rows import SITE, article_row
from warehouse.collection import YOUNG_THRESHOLD, fewer_collections
from warehouse.db import make_engine, upgrade
from warehouse.load import load_extracted


@pytest.fixture(autouse=True)
def _default_thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


def test_the_threshold_is_raised_inside_and_put_back_even_after_an_error() -> None:
    with pytest.raises(RuntimeError), fewer_collections():
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
        raise RuntimeError("the load failed")
    assert gc.get_threshold() == (700, 10, 10)


def test_a_threshold_already_higher_or_off_is_left_as_it_is() -> None:
    gc.set_threshold(200_000, 20, 5)
    with fewer_collections():
        assert gc.get_threshold() == (200_000, 20, 5)
    gc.set_threshold(0, 10, 10)
    with fewer_collections():
        assert gc.get_threshold() == (0, 10, 10)
    assert gc.get_threshold() == (0, 10, 10)


def test_the_last_of_overlapping_loads_puts_the_threshold_back() -> None:
    """Two threads' loads overlap: the first one out must not lower it under the other."""
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, tuple[int, int, int]] = {}

    def first() -> None:
        with fewer_collections():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with fewer_collections():
            second_in.set()
            first_out.wait(5)
            seen["second after the first left"] = gc.get_threshold()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == {"second after the first left": (YOUNG_THRESHOLD, 10, 10)}
    assert gc.get_threshold() == (700, 10, 10)


def test_a_load_runs_with_fewer_collections_and_leaves_the_default(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    thresholds: list[int] = []

    def rows() -> Iterator[dict[str, object]]:
        for i in range(3):
            thresholds.append(gc.get_threshold()[0])
            yield article_row(i)

    report = load_extracted(engine, [SITE], rows())
    engine.dispose()
    assert report.written == 3
    assert thresholds == [YOUNG_THRESHOLD] * 3
    assert gc.get_threshold() == (700, 10, 10)
