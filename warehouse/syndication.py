"""Syndication: which articles are copies of one report (MinHash signatures, LSH banding).

A copy is recognised on the *simplified* text, so a traditional-script repost (converted by
OpenCC before this step) compares like with like.  Each article gets a MinHash signature of its
character 4-grams (Han characters, digits and Latin letters only, so punctuation and width
differences vanish).  Signatures are cut into bands; two articles that agree on a whole band are
candidates, and a candidate pair joins when the estimated Jaccard similarity of their shingle
sets reaches ``JOIN_SIMILARITY``.  Copies with their own lead paragraph, editor's note or footer
stay well above it; different reports from the same organization, which share set phrases but
not their facts, stay below (measured in tests/test_syndication.py).
"""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

try:
    from transforms import _native  # built by `python -m transforms.build_native` (make env)
except ImportError:
    _native = None  # type: ignore[assignment]

_NOT_HAN_OR_DIGIT = re.compile(r"[^\u4e00-\u9fff0-9a-zA-Z]")
SHINGLE = 4
PERMUTATIONS = 64
BANDS = 16  # 16 bands of 4 rows: pairs at Jaccard 0.5 become candidates with p ≈ 0.65, 0.7 with p ≈ 0.99
ROWS = PERMUTATIONS // BANDS
JOIN_SIMILARITY = 0.45
SIGNATURE_BYTES = PERMUTATIONS * 4

# Fixed seeds: a signature stored today must compare with one computed next year.
_SEEDS = np.random.default_rng(20261121).integers(1, 2**63, size=PERMUTATIONS, dtype=np.uint64)
_MASK32 = np.uint64(0xFFFFFFFF)


def shingles(simplified_text: str) -> set[str]:
    text = _NOT_HAN_OR_DIGIT.sub("", simplified_text)
    if len(text) <= SHINGLE:
        return {text} if text else set()
    return {text[i : i + SHINGLE] for i in range(len(text) - SHINGLE + 1)}


def _mix(x: np.ndarray) -> np.ndarray:
    """A 64-bit finalizer (xor-shift-multiply): turns seeded values into independent-looking hashes."""
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xFF51AFD7ED558CCD)
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xC4CEB9FE1A85EC53)
    return x ^ (x >> np.uint64(33))


def minhash(simplified_text: str) -> bytes:
    """The article's MinHash signature: PERMUTATIONS little-endian uint32 minima."""
    return minhashes([simplified_text])[0]


# CRC-32 is affine in its input: for a message of L bytes, crc32(m) = crc32(L zero bytes) XOR
# lin(m), and lin(m) is the XOR over m's characters of lin(character's bytes, then the k zero
# bytes standing for what follows it).  So a shingle's CRC is four table lookups: for each
# character seen, lin of its bytes followed by k = 0 … _MAX_AFTER zero bytes, computed once by
# zlib itself and kept (texts use a few thousand distinct characters).
_MAX_AFTER = (SHINGLE - 1) * 4  # at most 3 characters of at most 4 UTF-8 bytes follow one
_ZERO_CRCS = np.array([zlib.crc32(bytes(n)) for n in range(SHINGLE * 4 + 1)], dtype=np.uint32)
# Row c: lin(character c's UTF-8 bytes + k zero bytes) for k = 0 … _MAX_AFTER, filled as characters
# are first seen (a shingle's characters are Han, digits and Latin letters: codes below 0xA000).
_terms = np.zeros((0, _MAX_AFTER + 1), dtype=np.uint32)
_known = np.zeros(0, dtype=bool)
_terms_lock = threading.Lock()  # a load computes the next batch's signatures in a thread


def _character_terms(codes: np.ndarray) -> np.ndarray:
    """The table of terms, with a row for every code in ``codes`` (computed by zlib once each)."""
    with _terms_lock:
        return _grown_terms(codes)


def _grown_terms(codes: np.ndarray) -> np.ndarray:
    global _terms, _known
    top = int(codes.max()) + 1 if len(codes) else 0
    if top > len(_known):
        _terms = np.concatenate((_terms, np.zeros((top - len(_known), _MAX_AFTER + 1), np.uint32)))
        _known = np.concatenate((_known, np.zeros(top - len(_known), dtype=bool)))
    for code in np.unique(codes[~_known[codes]]).tolist():
        encoded = chr(code).encode("utf-8", "surrogatepass")
        zeros = [zlib.crc32(bytes(len(encoded) + k)) for k in range(_MAX_AFTER + 1)]
        _terms[code] = [zlib.crc32(encoded + bytes(k)) ^ zeros[k] for k in range(_MAX_AFTER + 1)]
        _known[code] = True
    return _terms


def _shingle_crcs(cleaned: Sequence[str], counts: np.ndarray) -> np.ndarray:
    """zlib.crc32 of each shingle's UTF-8 bytes, texts' shingles one after another (numpy, all at once).

    By the decomposition above: each character's term for the bytes that follow it in its
    shingle, XORed, and the CRC of as many zero bytes as the shingle has."""
    lengths = np.array([len(t) for t in cleaned], dtype=np.int64)
    codes = np.frombuffer("".join(cleaned).encode("utf-32-le", "surrogatepass"), dtype="<u4")
    terms = _character_terms(codes)
    nbytes = 1 + (codes >= 0x80).astype(np.int64) + (codes >= 0x800) + (codes >= 0x10000)
    owner = np.repeat(np.arange(len(cleaned)), counts)
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
    text_start = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    start = text_start[owner] + np.arange(len(owner)) - first[owner]
    width = np.minimum(lengths[owner], SHINGLE)  # a text shorter than a shingle is one shingle
    chars, sizes = [], []
    for offset in range(SHINGLE):
        active = offset < width
        char = np.where(active, start + offset, 0)
        chars.append((active, char))
        sizes.append(np.where(active, nbytes[char], 0))
    crc = np.zeros(len(owner), dtype=np.uint32)
    after = np.zeros(len(owner), dtype=np.int64)  # bytes of the shingle after this character
    for offset in reversed(range(SHINGLE)):
        active, char = chars[offset]
        crc ^= np.where(active, terms[codes[char], after], 0).astype(np.uint32)
        after += sizes[offset]
    return (crc ^ _ZERO_CRCS[after]).astype(np.uint64)


# Whether minhashes uses the compiled signatures (tests switch it off to compare with numpy's).
native_signatures = _native is not None and hasattr(_native, "signatures")
_SHINGLES_PER_BLOCK = 8_192  # shingles mixed at once: (PERMUTATIONS × block) uint64 fit in cache


def _mix_into(x: np.ndarray, spare: np.ndarray) -> None:
    """``_mix`` in place (``spare`` is scratch of x's shape): the same values, no new arrays."""
    for multiplier in (np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53), None):
        np.right_shift(x, np.uint64(33), out=spare)
        np.bitwise_xor(x, spare, out=x)
        if multiplier is not None:
            np.multiply(x, multiplier, out=x)


def minhashes(simplified_texts: Sequence[str]) -> list[bytes]:
    """``minhash`` of many texts at once: the same signatures, computed with numpy for all.

    The definition is the per-text one: the zlib CRC-32 of each shingle's UTF-8 bytes, seeded
    and mixed, the minimum per seed.  A shingle occurring twice is hashed twice here, which
    cannot change a minimum, so no set of shingles is built.  The CRCs of all texts are computed
    together.  Where transforms/_native.c is built, the CRCs, mixing and minima run there (each
    value folded into its minimum as it is mixed); otherwise in numpy.
    """
    cleaned = [_NOT_HAN_OR_DIGIT.sub("", text) for text in simplified_texts]
    lengths = np.array([len(t) for t in cleaned], dtype=np.int64)
    # A text of at most SHINGLE characters is its own one shingle; an empty one has none.
    counts = np.where(lengths > SHINGLE, lengths - SHINGLE + 1, np.minimum(lengths, 1))
    result = [bytes(SIGNATURE_BYTES)] * len(cleaned)  # an empty text joins nothing (see similarity)
    present = np.flatnonzero(counts)
    if not len(present):
        return result
    if native_signatures:
        # transforms/_native.c: the same CRCs, mix and minima, each value folded as it is mixed.
        packed = _native.signatures([cleaned[i] for i in present.tolist()], _SEEDS)
        for column, index in enumerate(present.tolist()):
            result[index] = packed[column * SIGNATURE_BYTES : (column + 1) * SIGNATURE_BYTES]
        return result
    crcs = _shingle_crcs([cleaned[i] for i in present], counts[present])
    ends = np.cumsum(counts[present])
    _minima_in_numpy(crcs, ends, present, result)
    return result


def _minima_in_numpy(crcs: np.ndarray, ends: np.ndarray, present: np.ndarray, result: list[bytes]) -> None:
    """The minima of the texts ``present`` (CRCs one after another, ``ends`` their ends) into ``result``.

    The mixing goes in groups of about ``_SHINGLES_PER_BLOCK`` shingles, whose
    (PERMUTATIONS × group) arrays stay in the CPU's cache."""
    lo = 0
    while lo < len(present):
        first = int(ends[lo - 1]) if lo else 0
        # texts lo..hi-1: as many as fit in a block, at least one
        hi = max(lo + 1, int(np.searchsorted(ends, first + _SHINGLES_PER_BLOCK, side="right")))
        part = crcs[first : int(ends[hi - 1])]
        hashed = part[None, :] ^ _SEEDS[:, None]
        with np.errstate(over="ignore"):  # wrap-around multiplication is the point of the mixer
            _mix_into(hashed, np.empty_like(hashed))
        hashed &= _MASK32
        starts = np.concatenate(([0], ends[lo : hi - 1] - first))
        minima = np.minimum.reduceat(hashed, starts, axis=1).astype("<u4")
        for column, index in enumerate(present[lo:hi]):
            result[index] = minima[:, column].tobytes()
        lo = hi


def _array(signature: bytes) -> np.ndarray:
    return np.frombuffer(signature, dtype="<u4")


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two articles' shingle sets (0 when either is empty)."""
    if not any(a) or not any(b):
        return 0.0
    return float(np.mean(_array(a) == _array(b)))


_BAND_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5], np.uint64
)


# A band bucket stores at most this many articles.  A bucket that is full takes no more members,
# and a later article sharing that band is compared with the BUCKET_CAP it holds (the earliest
# loaded): enough to join any copy of a widely carried report, while a band shared by thousands
# of articles (a site's footer, a set phrase) costs each new article at most BUCKET_CAP
# comparisons instead of one per article ever loaded, so the pairs compared grow linearly with
# the archive.  The warehouse's buckets are measured by ``python -m bench.warehouse``.
BUCKET_CAP = 200


def band_keys(signatures: Sequence[bytes]) -> np.ndarray:
    """One signed 64-bit key per (signature, band): shape (len(signatures), BANDS).

    A band's rows are folded into one key that also encodes the band's number, so keys of
    different bands never meet in one bucket.  A fold collision only adds a candidate, which
    ``similarity`` then judges like any other.
    """
    if not signatures:
        return np.empty((0, BANDS), dtype=np.int64)
    matrix = np.frombuffer(b"".join(signatures), dtype="<u4").reshape(-1, PERMUTATIONS)
    keys = np.empty((len(signatures), BANDS), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for band in range(BANDS):
            block = matrix[:, band * ROWS : (band + 1) * ROWS].astype(np.uint64)
            keys[:, band] = _mix((block * _BAND_MIX[:ROWS]).sum(axis=1, dtype=np.uint64) ^ np.uint64(band))
    return keys.view(np.int64)


def similarities(signature: bytes, others: Sequence[bytes]) -> np.ndarray:
    """``similarity`` of one signature with each of ``others`` at once (0 where either is empty)."""
    if not others:
        return np.zeros(0)
    mine = _array(signature)
    matrix = np.frombuffer(b"".join(others), dtype="<u4").reshape(-1, PERMUTATIONS)
    result = np.mean(matrix == mine, axis=1)
    if not mine.any():
        return np.zeros(len(others))
    result[~matrix.any(axis=1)] = 0.0
    return result


def candidate_pairs(signatures: Sequence[tuple[int, bytes]]) -> set[tuple[int, int]]:
    """Pairs (smaller id, larger id) that agree on at least one whole band (all of a set at once).

    Each band's keys are sorted, so runs of equal keys are the buckets (numpy, no per-article
    Python work).  Used for sets held in memory (a cluster being re-examined, the benches); the
    warehouse finds a new article's candidates through its stored, capped buckets instead.
    """
    kept = [(article_id, signature) for article_id, signature in signatures if any(signature)]
    if len(kept) < 2:
        return set()
    ids = np.array([article_id for article_id, _ in kept], dtype=np.int64)
    keys = band_keys([signature for _, signature in kept])
    pairs: set[tuple[int, int]] = set()
    for band in range(BANDS):
        order = np.argsort(keys[:, band], kind="stable")
        sorted_keys = keys[order, band]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        ends = np.r_[starts[1:], len(sorted_keys)]
        for lo, hi in zip(starts[ends - starts > 1], ends[ends - starts > 1], strict=True):
            bucket = sorted(ids[order[lo:hi]].tolist())
            pairs.update((a, b) for i, a in enumerate(bucket) for b in bucket[i + 1 :])
    return pairs


def representative_key(published_at: datetime | None, article_id: int) -> tuple[datetime, int]:
    """What picks a cluster's representative: the earliest published, then the lowest id."""
    return (published_at.replace(tzinfo=None) if published_at else datetime.max, article_id)


@dataclass(frozen=True)
class ClusterMember:
    article_id: int
    signature: bytes
    published_at: datetime | None


def clusters(members: Iterable[ClusterMember]) -> dict[int, int]:
    """Each article id → its cluster's representative (the earliest-published copy, then lowest id).

    Joined pairs are merged transitively (union-find), so a copy of a copy joins the original.
    """
    by_id = {m.article_id: m for m in members}
    parent = {article_id: article_id for article_id in by_id}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    signatures = [(m.article_id, m.signature) for m in by_id.values()]
    for a, b in sorted(candidate_pairs(signatures)):
        if similarity(by_id[a].signature, by_id[b].signature) >= JOIN_SIMILARITY:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[ClusterMember]] = {}
    for article_id, member in by_id.items():
        groups.setdefault(find(article_id), []).append(member)
    representative_of: dict[int, int] = {}
    for group in groups.values():
        first = min(group, key=lambda m: representative_key(m.published_at, m.article_id))
        for member in group:
            representative_of[member.article_id] = first.article_id
    return representative_of
