"""The window tagger must agree with jieba's own tagger (posseg, HMM off) word for word."""

from __future__ import annotations

import tomllib
from pathlib import Path

import jieba
import jieba.posseg

from transforms.tagger import WindowTagger

ROOT = Path(__file__).resolve().parent.parent
EXTRA_WORDS = [("慈善总会", 2000, "n"), ("基金会", 2000, "n"), ("凉山州", 3000, "ns"), ("启衡", 3000, "ns")]


def _reference() -> jieba.posseg.POSTokenizer:
    base = jieba.Tokenizer()
    base.initialize()
    for word, frequency, tag in EXTRA_WORDS:
        base.add_word(word, freq=frequency, tag=tag)
    return jieba.posseg.POSTokenizer(base)


def _windows() -> list[str]:
    texts = [
        tomllib.loads(path.read_text("utf-8"))["body"]
        for path in sorted((ROOT / "sample_sites").glob("*/articles/*.toml"))
    ]
    texts.append("2024年凉山州慈善总会向ABC公司、启衡基金会（上海）捐赠US$3,000.5万元。\r\n  第05版 B2")
    # Windows of every length from 1 to 40 at staggered starts, including punctuation and Latin.
    return [text[i : i + 1 + (i * 7) % 40] for text in texts for i in range(0, len(text), 17)]


def test_window_tags_equal_jieba_posseg_without_hmm() -> None:
    ours = WindowTagger(EXTRA_WORDS)
    reference = _reference()
    windows = _windows()
    assert len(windows) > 500
    for window in windows:
        expected = tuple((pair.word, pair.flag) for pair in reference.cut(window, HMM=False))
        assert ours.tag(window) == expected, window


def test_cached_and_fresh_tags_agree() -> None:
    tagger = WindowTagger(EXTRA_WORDS)
    window = "凉山州慈善总会联合启衡基金会"
    first = tagger.tag(window)
    tagger.forget()
    assert tagger.tag(window) == first
    assert ("凉山州", "ns") in first
