"""Which fetch logs a reader of the raw store opens: the tests that prove a reader no longer reads
the whole history watch RawStore.read_log."""

from __future__ import annotations

import pytest

from spiders.raw_store import RawStore


def watch_log_reads(store: RawStore, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names passed to ``store.read_log`` from now on, in order (the reads still happen)."""
    opened: list[str] = []
    read_log = store.read_log

    def spy(name: str, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        opened.append(name)
        return read_log(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "read_log", spy)
    return opened
