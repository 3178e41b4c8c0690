"""Near-duplicate fingerprints for syndicated copies (SimHash over character shingles).

Computed on the *simplified* text with punctuation and spaces removed, so a traditional-script
repost with its own lead paragraph and boilerplate lands a few bits away from the original.
"""

from __future__ import annotations

import hashlib
import re

_NOT_HAN_OR_DIGIT = re.compile(r"[^\u4e00-\u9fff0-9a-zA-Z]")
SHINGLE = 4
BITS = 64
# Copies of one report differ in a few bits; unrelated news differs in ~32.
NEAR_DUPLICATE_DISTANCE = 12


def _hash64(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")


def simhash(simplified_text: str) -> int:
    """A 64-bit SimHash, returned as a signed integer (fits a SQL BIGINT)."""
    text = _NOT_HAN_OR_DIGIT.sub("", simplified_text)
    weights = [0] * BITS
    shingles = {text[i : i + SHINGLE] for i in range(max(1, len(text) - SHINGLE + 1))}
    for shingle in shingles:
        h = _hash64(shingle)
        for bit in range(BITS):
            weights[bit] += 1 if h >> bit & 1 else -1
    value = sum(1 << bit for bit in range(BITS) if weights[bit] > 0)
    return value - (1 << BITS) if value >= 1 << (BITS - 1) else value


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << BITS) - 1)).bit_count()


def content_hash(simplified_text: str) -> str:
    return hashlib.sha256(_NOT_HAN_OR_DIGIT.sub("", simplified_text).encode()).hexdigest()
