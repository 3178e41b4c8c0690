"""Organization forms of Hong Kong, Macau and Taiwan pages, as table tests on our own fictional
sentences in traditional characters (and a few simplified ones).

Every name is invented (青禾, 澄心, 遠岫…) except the lexicon's real bodies, which are facts
(transforms/data/organizations.SOURCE.md).  Each row: label, text, locale, names expected and
names that must not appear.
"""

from __future__ import annotations

from transforms.extract import extract_article


def test_aliases_survive_the_way_back_to_traditional_text() -> None:
    # Normalization rewrites the text (聯 → 联): the mention is rebuilt on the original, with its aliases.
    found = {o.name: o for o in extract_article("舟山市工商聯組織企業捐款。", "mainland").organizations}
    assert found["舟山市工商联"].surface == "舟山市工商聯"
    assert "舟山市工商业联合会" in found["舟山市工商联"].aliases
