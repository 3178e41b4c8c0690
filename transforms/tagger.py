"""Part-of-speech tags for short windows of text, from a private jieba dictionary.

Organization names are delimited by walking left from their suffix over tagged words (see
``organizations``).  Tagging dominates extraction time, so this module gives exactly what
``jieba.posseg.POSTokenizer.cut(window, HMM=False)`` gives, computed more directly: jieba's
dictionary (plus our own words) and its best-route rule, with the log-probabilities of words
looked up once and the windows already tagged kept in a bounded cache.

Where ``make env`` could compile it, ``transforms._native`` (transforms/_native.c) does the
tagging itself from a compact table of the same words; ``_tag_in_python`` is the same rule in
Python, used without it and checked against it in tests/test_tagger.py.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from math import log

import jieba
import jieba.posseg

try:
    from transforms import _native  # built by `python -m transforms.build_native` (make env)
except ImportError:  # no compiler where it was installed: the same routes, in Python
    _native = None  # type: ignore[assignment]

Tagged = tuple[tuple[str, str], ...]

# What jieba's tagger segments as one block; every other character is a token tagged x.
_BLOCK = re.compile(r"([\u4e00-\u9fd5a-zA-Z0-9+#&._]+)")
_OTHER = re.compile(r"\r\n|.", re.S)  # as jieba: a CRLF is one token, anything else one character
_CACHE_SIZE = 50_000


class WindowTagger:
    """A private jieba tokenizer (jieba's global one is never touched) with extra words."""

    def __init__(self, words: Iterable[tuple[str, int, str]]) -> None:
        """``words``: (word, frequency, tag) added to jieba's own dictionary."""
        jieba.setLogLevel(logging.WARNING)  # its dictionary-loading chatter
        base = jieba.Tokenizer()
        base.initialize()
        for word, frequency, tag in words:
            base.add_word(word, freq=frequency, tag=tag)
        tagger = jieba.posseg.POSTokenizer(base)
        tagger.makesure_userdict_loaded()  # our words' tags into the tagger's table, once
        self.frequency: dict[str, int] = base.FREQ
        self._flags: dict[str, str] = tagger.word_tag_tab
        self._log_total = log(base.total)
        # Each word's log-probability, and None for the prefixes jieba keeps of its words: one
        # lookup per fragment in the route's inner loop.
        self._log_probability: dict[str, float | None] = {
            word: log(count) - self._log_total if count else None for word, count in base.FREQ.items()
        }
        self._native = _native.Routes(self._log_probability, -self._log_total) if _native else None
        self._tagged: dict[str, Tagged] = {}
        # Callers' decisions about a token that depend on the token alone, kept beside the
        # windows and forgotten with them.
        self.token_decisions: dict[tuple[str, str], bool] = {}
        self._lock = threading.Lock()
        _MADE.append(self)

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
            return self._native.tag(window, self._flags)  # type: ignore[no-any-return]
        return self._tag_in_python(window)

    def _tag_in_python(self, window: str) -> Tagged:
        tokens: list[tuple[str, str]] = []
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
                tokens.append((word, self._flags.get(word, "x")))
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
