"""Servers that tests start as a whole process tree: in a process group of their own, so one
signal to the group reaches every child, and so the test can prove none is left behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _default_signals() -> None:
    # A shell that started us in the background may have left SIGINT (and SIGTERM) ignored; an
    # ignored signal survives exec, so the server would never see the signal meant to stop it
    # (nor its own children the SIGTERM it sends them on the way out).
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def start_group(
    command: Sequence[str], *, cwd: Path, env: Mapping[str, str], log: Path
) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``command`` as the leader of a new process group, output to ``log``; (process, pgid)."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_default_signals,
        )
    return process, os.getpgid(process.pid)


def group_alive(process: subprocess.Popen[bytes], pgid: int) -> bool:
    process.poll()  # reap the leader once it exits: a zombie still counts as a group member
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_group(process: subprocess.Popen[bytes], pgid: int, sig: signal.Signals, seconds: float) -> bool:
    """Send ``sig`` to the group and wait up to ``seconds`` for every member to exit.  Whatever is
    left is killed (no server stays behind); returns whether anything was left."""
    if group_alive(process, pgid):
        os.killpg(pgid, sig)
    deadline = time.monotonic() + seconds
    while group_alive(process, pgid) and time.monotonic() < deadline:
        time.sleep(0.5)
    leftover = group_alive(process, pgid)
    if leftover:
        os.killpg(pgid, signal.SIGKILL)
    process.wait(timeout=30)
    return leftover
