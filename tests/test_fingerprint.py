"""The vectorised SimHash gives exactly the fingerprints of the plain per-bit definition."""

from __future__ import annotations

import hashlib
import random

from transforms.fingerprint import _NOT_HAN_OR_DIGIT, BITS, SHINGLE, hamming, simhash


def reference_simhash(simplified_text: str) -> int:
    """The definition, one shingle and one bit at a time."""
    text = _NOT_HAN_OR_DIGIT.sub("", simplified_text)
    weights = [0] * BITS
    for shingle in {text[i : i + SHINGLE] for i in range(max(1, len(text) - SHINGLE + 1))}:
        h = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")
        for bit in range(BITS):
            weights[bit] += 1 if h >> bit & 1 else -1
    value = sum(1 << bit for bit in range(BITS) if weights[bit] > 0)
    return value - (1 << BITS) if value >= 1 << (BITS - 1) else value


FICTIONAL = [
    "",
    "，。！",
    "善",
    "青禾",
    "青禾基金会",
    "青禾慈善基金会向柳溪县第三小学捐赠图书款120万元，用于新建阅览室。",
    "柳溪縣慈善總會昨日表示，今年共募集善款3.5億元，其中2千萬元用於助學。",
    "The Willow Creek Fund gave 12 million yuan to 3 schools in 2025.",
]


def _random_texts(count: int) -> list[str]:
    rng = random.Random(16)
    alphabet = "青禾柳溪县第三小学捐赠图书款万元用于新建阅览室慈善总会募集善款0123456789abcXYZ，。 "
    return ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 600))) for _ in range(count)]


def test_simhash_equals_the_reference_on_fictional_texts() -> None:
    texts = FICTIONAL + _random_texts(300)
    for text in texts:
        assert simhash(text) == reference_simhash(text), text
    # The texts are varied enough that both signs and many bit patterns occur.
    values = {simhash(t) for t in texts}
    assert len(values) > 250 and min(values) < 0 < max(values)


def test_a_small_edit_moves_few_bits_and_other_news_many() -> None:
    original = FICTIONAL[5] * 3
    edited = original.replace("120万元", "130万元", 1)
    assert hamming(simhash(original), simhash(edited)) <= 12
    assert hamming(simhash(original), simhash(FICTIONAL[6] * 3)) > 12
