"""The loader bench's records stand for what the extraction step stages."""

from bench.loader_rows import variants
from transforms.fingerprint import content_hash
from warehouse.syndication import minhash


def test_each_variant_carries_the_fingerprints_of_its_own_text() -> None:
    rows = list(variants(120))
    assert all(row["minhash"] == minhash(row["simplified"]).hex() for row in rows)
    assert all(row["content_hash"] == content_hash(row["simplified"]) for row in rows)
    # Variants of one base are different reports: their signatures differ (a base's signature
    # left in every variant made them all candidate copies and filled the band buckets).
    originals = [row for row in rows if "/copy/" not in row["url"]]
    assert len({row["minhash"] for row in originals}) == len(originals)
