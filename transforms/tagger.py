"""Part-of-speech tags for short windows of text, from a private jieba dictionary.

Organization names are delimited by walking left from their suffix over tagged words (see
``organizations``).  Tagging dominates extraction time, so this module gives exactly what
``jieba.posseg.POSTokenizer.cut(window, HMM=False)`` gives, computed more directly: jieba's
dictionary (plus our own words) and its best-route rule, with the log-probabilities of words
looked up once and the windows already tagged kept in a bounded cache.

Where ``make env`` could compile it, ``transforms._native`` (transforms/_native.c) does the
tagging itself from a compact table of the same words; ``_tag_in_python`` is the same rule in
Python, used without it and checked against it in tests/test_tagger.py.

Building the tables from jieba's dictionary costs each process about 1.5 s, most of a small
run's extraction, so the built tables are kept in a cache file (``CHARITYNEWS_CACHE_DIR``, by
default ~/.cache/charitynews; empty turns it off), named by what they are built from: jieba's
version and dictionary file and our words.  A cache file that cannot be read is rebuilt.
Reading those tables back still costs half a second and about 200 MB (they are Python dicts of
half a million words), so the compiled table, which holds each word's count and flag as well,
has its own cache file beside them, read in milliseconds: a process tagging with it never
loads the dicts (``WindowTagger.tables`` loads them when asked, as tests and the Python rule do).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import importlib.util
import io
import logging
import os
import pickle
import re
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from math import log
from pathlib import Path
from typing import IO

try:
    from transforms import _native  # built by `python -m transforms.build_native` (make env)
except ImportError:  # no compiler where it was installed: the same routes, in Python
    _native = None  # type: ignore[assignment]
if _native is not None and not hasattr(_native.Routes, "loads"):
    # A module built from an older _native.c (a later build failed): its table cannot be kept
    # or hold counts and flags, so the rule runs in Python rather than with half of it.
    _native = None  # type: ignore[assignment]

Tagged = tuple[tuple[str, str], ...]
Word = tuple[str, int, str]  # (word, frequency, tag), as jieba's add_word takes them

log_ = logging.getLogger(__name__)

# What jieba's tagger segments as one block; every other character is a token tagged x.
_BLOCK = re.compile(r"([\u4e00-\u9fd5a-zA-Z0-9+#&._]+)")
_OTHER = re.compile(r"\r\n|.", re.S)  # as jieba: a CRLF is one token, anything else one character
_CACHE_SIZE = 50_000


class WindowTagger:
    """A private jieba tokenizer (jieba's global one is never touched) with extra words."""

    def __init__(self, words: Iterable[Word]) -> None:
        """``words``: (word, frequency, tag) added to jieba's own dictionary."""
        self._words = list(words)
        self._tables: Tables | None = None
        # Compiled, the table holds the words' counts and flags too: the Python dicts (about
        # 200 MB and most of a process's first extraction to read) are loaded only if asked for.
        self._native = cached_routes(self._words) if _native else None
        self._tagged: dict[str, Tagged] = {}
        # Callers' decisions about a token that depend on the token alone, kept beside the
        # windows and forgotten with them.
        self.token_decisions: dict[tuple[str, str], bool] = {}
        self._lock = threading.Lock()
        _MADE.append(self)

    @property
    def tables(self) -> Tables:
        """jieba's dictionary with our words as Python dicts (read from their cache when first asked)."""
        if self._tables is None:
            self._tables = cached_tables(self._words)
        return self._tables

    @property
    def frequency(self) -> dict[str, int]:
        return self.tables.frequency

    @property
    def _flags(self) -> dict[str, str]:
        return self.tables.flags

    @property
    def _log_probability(self) -> dict[str, float | None]:
        return self.tables.log_probability

    @property
    def _log_total(self) -> float:
        return log(self.tables.total)

    def count(self, word: str) -> int:
        """The word's count in the dictionary (0: a prefix of words, or not a word)."""
        if self._native is not None:
            return self._native.count(word)  # type: ignore[no-any-return]
        return self.frequency.get(word, 0)

    def tag(self, window: str) -> Tagged:
        """(word, flag) pairs of ``window``, as ``posseg.cut(window, HMM=False)`` gives them."""
        with self._lock:
            tokens = self._tagged.get(window)
            if tokens is None:
                if len(self._tagged) >= _CACHE_SIZE:
                    self._tagged.clear()
                    self.token_decisions.clear()
                tokens = self._tag(window)
                self._tagged[window] = tokens
            return tokens

    def forget(self) -> None:
        with self._lock:
            self._tagged.clear()
            self.token_decisions.clear()

    @property
    def compiled(self) -> bool:
        """Whether windows are tagged by the compiled route table."""
        return self._native is not None

    def _tag(self, window: str) -> Tagged:
        if self._native is not None:
            return self._native.tag(window)  # type: ignore[no-any-return]
        return self._tag_in_python(window)

    def _tag_in_python(self, window: str) -> Tagged:
        tokens: list[tuple[str, str]] = []
        flags = self._flags
        # split with one group alternates: text between blocks at even indices, blocks at odd.
        for index, block in enumerate(_BLOCK.split(window)):
            if not index & 1:
                if block:  # often empty: a window of Han characters only is one block
                    tokens.extend((piece, "x") for piece in _OTHER.findall(block))  # punctuation, spaces
                continue
            latin = ""
            for word in self._route(block):
                if len(word) == 1 and word.isascii() and word.isalnum():
                    latin += word  # letters and digits run together as one "eng" token
                    continue
                if latin:
                    tokens.append((latin, "eng"))
                    latin = ""
                tokens.append((word, flags.get(word, "x")))
            if latin:
                tokens.append((latin, "eng"))
        return tuple(tokens)

    def _route(self, block: str) -> list[str]:
        """The most probable segmentation by dictionary frequencies (jieba's rule without HMM):
        scored from the right; among equal scores the longer word wins, as in jieba."""
        n = len(block)
        score = [0.0] * (n + 1)
        cut = [0] * (n + 1)
        log_probability = self._log_probability.get
        unknown = -self._log_total  # an unknown character counts as a word seen once
        for start in range(n - 1, -1, -1):
            best_end, best = start + 1, None
            end = start + 1
            fragment = block[start]
            # The dictionary holds every prefix of its words (with no probability), so extending
            # a fragment stops as soon as no word can continue it.
            while (value := log_probability(fragment, _ABSENT)) is not _ABSENT:
                if value is not None:
                    total = value + score[end]
                    if best is None or total >= best:
                        best_end, best = end, total
                if end == n:
                    break
                end += 1
                fragment = block[start:end]
            score[start] = unknown + score[start + 1] if best is None else best
            cut[start] = best_end
        words = []
        position = 0
        while position < n:
            words.append(block[position : cut[position]])
            position = cut[position]
        return words


_ABSENT: float = float("nan")  # a marker compared by identity: neither a word nor a prefix
_MADE: list[WindowTagger] = []


def native_routes() -> bool:
    """Whether the compiled route table (transforms/_native.c) is built and in use."""
    return _native is not None


def forget_tagged_windows() -> None:
    """Empty every tagger's cache, so a benchmark's later rounds start as cold as its first."""
    for tagger in _MADE:
        tagger.forget()


@dataclass(frozen=True, slots=True)
class Tables:
    """What tagging needs of jieba's dictionary with our words added: each word's count (0 for
    the prefixes jieba keeps of its words), its flag, the counts' total, and each word's
    log-probability (None for a prefix: one lookup per fragment in the route's inner loop)."""

    frequency: dict[str, int]
    flags: dict[str, str]
    total: int
    log_probability: dict[str, float | None]

    @classmethod
    def of_counts(cls, frequency: dict[str, int], flags: dict[str, str], total: int) -> Tables:
        log_total = log(total)
        return cls(
            frequency,
            flags,
            total,
            {word: log(count) - log_total if count else None for word, count in frequency.items()},
        )


def build_tables(words: list[Word]) -> Tables:
    """The tables from jieba itself: its dictionary, then ``words`` added as add_word does."""
    import jieba  # only when the tables are not cached: importing posseg alone costs 0.3 s
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter
    base = jieba.Tokenizer()
    base.initialize()
    for word, frequency, tag in words:
        base.add_word(word, freq=frequency, tag=tag)
    tagger = jieba.posseg.POSTokenizer(base)
    tagger.makesure_userdict_loaded()  # our words' tags into the tagger's table, once
    return Tables.of_counts(base.FREQ, tagger.word_tag_tab, base.total)


_CACHE_FORMAT = b"charitynews window-tagger tables 1\n"
_CACHE_FILES_KEPT = 4  # other word lists' tables (a test's, an older release's) are removed past this


def jieba_dictionary() -> Path:
    """jieba's own dictionary file (word, count, tag a line), found without importing jieba."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise ImportError("jieba is not installed")
    return Path(spec.origin).parent / "dict.txt"


@cache
def jieba_fingerprint() -> bytes:
    """jieba's version and a digest of its dictionary file: what names a table derived from it."""
    dictionary = hashlib.blake2b(jieba_dictionary().read_bytes(), digest_size=16).digest()
    return importlib.metadata.version("jieba").encode() + b"\n" + dictionary


def cache_dir() -> Path | None:
    """Where built tables are kept; None when ``CHARITYNEWS_CACHE_DIR`` is set empty."""
    configured = os.environ.get("CHARITYNEWS_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "charitynews"


def _cache_key(words: list[Word]) -> str:
    """Names the tables by all they are built from: jieba's version, its dictionary's bytes,
    and our words in order (a later add_word of the same word wins)."""
    digest = hashlib.blake2b(_CACHE_FORMAT, digest_size=16)
    digest.update(jieba_fingerprint())
    for word, frequency, tag in words:
        digest.update(f"{word}\t{frequency}\t{tag}\n".encode())
    return digest.hexdigest()


class _PlainUnpickler(pickle.Unpickler):
    """The tables are dicts of strings and numbers: a cache file naming any class or function
    is not ours, and is refused rather than run."""

    def find_class(self, module: str, name: str) -> object:
        raise pickle.UnpicklingError(f"the cache holds {module}.{name}, not plain tables")


def _read_cache(path: Path, key: str) -> Tables | None:
    try:
        with path.open("rb") as file:
            stored = _PlainUnpickler(io.BytesIO(file.read())).load()
        stored_key, frequency, flags, total, log_probability = stored
        if stored_key != key or not all(isinstance(t, dict) for t in (frequency, flags, log_probability)):
            raise ValueError("not the tables of these words")
        if not isinstance(total, int) or total <= 0:
            raise ValueError("no word counts")
    except FileNotFoundError:
        return None
    except Exception as exc:  # a damaged cache must never stop extraction: it is rebuilt
        log_.warning("tagger cache %s unreadable (%s); rebuilding it", path, exc)
        return None
    return Tables(frequency, flags, total, log_probability)


def _write_cache(path: Path, key: str, tables: Tables) -> None:
    stored = (key, tables.frequency, tables.flags, tables.total, tables.log_probability)
    # A read-only home: every process builds its own tables.
    if write_beside(path, lambda file: pickle.dump(stored, file, protocol=5), "tagger cache"):
        remove_stale(path.parent, "tagger-*.pickle", _CACHE_FILES_KEPT)


def write_beside(path: Path, write: Callable[[IO[bytes]], object], what: str) -> bool:
    """Write a cache file beside ``path`` and rename it there, so a process reading it meanwhile
    sees the old file or the whole new one, never half of it; False (logged) when it cannot be
    written, its temporary file removed."""
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".cache-", delete=False) as file:
            temporary = file.name
            write(file)
        os.replace(temporary, path)
        return True
    except OSError as exc:
        log_.info("%s not written to %s: %s", what, path.parent, exc)
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        return False


def remove_stale(directory: Path, pattern: str, keep: int) -> None:
    """Keep the newest ``keep`` files of ``directory`` matching ``pattern``, the rest removed.
    Another process may be removing the same files: one gone meanwhile is skipped."""
    dated = []
    for candidate in directory.glob(pattern):
        with contextlib.suppress(OSError):
            dated.append((candidate.stat().st_mtime, candidate))
    dated.sort(reverse=True)
    for _, stale in dated[keep:]:
        with contextlib.suppress(OSError):
            stale.unlink(missing_ok=True)


def cached_tables(words: list[Word], key: str | None = None) -> Tables:
    """The tables for ``words``, read from the cache when built before, else built and kept.
    ``key``: their ``_cache_key`` when the caller has it."""
    directory = cache_dir()
    if directory is None:
        return build_tables(words)
    key = key or _cache_key(words)
    path = directory / f"tagger-{key}.pickle"
    tables = _read_cache(path, key)
    if tables is None:
        tables = build_tables(words)
        _write_cache(path, key, tables)
    return tables


# The compiled table in its own cache file beside the tables: read back in a few milliseconds
# (the tables' dicts take half a second to rebuild), so a process that tags with it never
# builds them.  The file names its format and the tables' key, and holds a digest of the table:
# a damaged or foreign file is rebuilt, never used.
_ROUTES_FORMAT = b"charitynews window-tagger routes 1\n"


def _routes_digest(blob: bytes) -> bytes:
    return hashlib.blake2b(blob, digest_size=16).hexdigest().encode()


def _read_routes(path: Path, key: str) -> object | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log_.warning("tagger routes cache %s unreadable (%s); rebuilding it", path, exc)
        return None
    head = len(_ROUTES_FORMAT)
    stored_key, digest, blob = data[head : head + 32], data[head + 33 : head + 65], data[head + 66 :]
    try:
        if not data.startswith(_ROUTES_FORMAT) or stored_key != key.encode():
            raise ValueError("not the routes of these words")
        if data[head + 32 : head + 33] != b"\n" or data[head + 65 : head + 66] != b"\n":
            raise ValueError("no digest line")
        if digest != _routes_digest(blob):
            raise ValueError("its digest does not match: damaged")
        return _native.Routes.loads(blob)
    except ValueError as exc:
        log_.warning("tagger routes cache %s unreadable (%s); rebuilding it", path, exc)
        return None


def _write_routes(path: Path, key: str, routes: object) -> None:
    try:
        blob = routes.dumps()  # type: ignore[attr-defined]
    except ValueError as exc:  # a flag it cannot store: the table is used, not kept
        log_.info("tagger routes not kept: %s", exc)
        return
    head = _ROUTES_FORMAT + key.encode() + b"\n" + _routes_digest(blob) + b"\n"
    if write_beside(path, lambda file: file.write(head + blob), "tagger routes cache"):
        remove_stale(path.parent, "tagger-*.routes", _CACHE_FILES_KEPT)


def cached_routes(words: list[Word]) -> object:
    """The compiled route table for ``words`` (with their counts and flags), read from the
    cache when built before, else built from the tables and kept.  Only with ``_native``."""
    directory = cache_dir()
    key = _cache_key(words)
    path = directory / f"tagger-{key}.routes" if directory is not None else None
    routes = _read_routes(path, key) if path is not None else None
    if routes is None:
        tables = cached_tables(words, key)
        routes = _native.Routes(tables.log_probability, -log(tables.total), tables.frequency, tables.flags)
        if path is not None:
            _write_routes(path, key, routes)
    return routes
