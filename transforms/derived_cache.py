"""Small tables derived from big inputs, kept between processes.

Some of what extraction needs is derived once per process from a large input: which short
place names jieba's dictionary knows as ordinary words (its 350,000 lines read and split, 0.2 s),
which Han characters OpenCC changes one way or the other (20,000 characters converted twice,
0.08 s).  A run of a few pages pays that in every worker process, so the derived text is kept
in the cache directory the tagger uses (``CHARITYNEWS_CACHE_DIR``), in a file named by a digest
of everything it is derived from: the inputs' bytes and the source of the rule that derives it,
so a changed dictionary, package or rule names another file and the old one is never read.
A file that cannot be read is derived again; no cache directory, or none writable, derives it
in each process.  The file holds a digest of its text: one cut short or changed is derived
again, never used.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import marshal
from collections.abc import Callable, Iterable
from pathlib import Path

from transforms.tagger import cache_dir, remove_stale, write_beside

log = logging.getLogger(__name__)

_FORMAT = b"charitynews derived text 1\n"
_FILES_KEPT = 2  # per kind: the current inputs' and one older (another checkout's)


def rule_source(*rules: Callable[..., object]) -> bytes:
    """What the functions deriving a text are, as an input of its name: their source, or where
    Python cannot read it (an install without .py files) their compiled code."""
    parts = []
    for rule in rules:
        try:
            parts.append(inspect.getsource(rule).encode())
        except (OSError, TypeError):
            code = getattr(rule, "__code__", None)
            parts.append(marshal.dumps(code) if code is not None else repr(rule).encode())
    return b"\n".join(parts)


def _key(kind: str, inputs: Iterable[bytes]) -> str:
    digest = hashlib.blake2b(_FORMAT + kind.encode() + b"\n", digest_size=16)
    for part in inputs:
        digest.update(len(part).to_bytes(8, "little"))  # lengths: no two input lists alike
        digest.update(part)
    return digest.hexdigest()


def _digest(content: bytes) -> bytes:
    return hashlib.blake2b(content, digest_size=16).hexdigest().encode()


def derived_text(kind: str, inputs: Iterable[bytes], derive: Callable[[], str]) -> str:
    """``derive()``, read from the cache when derived before from the same ``inputs``."""
    directory = cache_dir()
    if directory is None:
        return derive()
    key = _key(kind, inputs)
    path = directory / f"{kind}-{key}.txt"
    try:
        data = path.read_bytes()
        head = _FORMAT + key.encode() + b"\n"
        digest, content = data[len(head) : len(head) + 32], data[len(head) + 33 :]
        if data.startswith(head) and digest == _digest(content) and data[len(head) + 32 :].startswith(b"\n"):
            return content.decode("utf-8")
        log.warning("derived cache %s is damaged or not of its inputs; deriving it again", path)
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("derived cache %s unreadable (%s); deriving it again", path, exc)
    text = derive()
    _write(path, key, text)
    return text


def _write(path: Path, key: str, text: str) -> None:
    content = text.encode("utf-8")
    head = _FORMAT + key.encode() + b"\n" + _digest(content) + b"\n"
    if write_beside(path, lambda file: file.write(head + content), "derived cache"):
        kind = path.name.rsplit("-", 1)[0]
        remove_stale(path.parent, f"{kind}-*.txt", _FILES_KEPT)
