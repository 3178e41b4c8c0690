"""Which kind of source wrote a text: mainland, Hong Kong, Macau or Taiwan.

It decides what a plain 元 means and which OpenCC phrase config applies.  A crawl knows its
source's locale from the site registry; a loose file does not, so we read the text's own signals.
Simplified text is mainland: Hong Kong, Macau and Taiwan papers write traditional script, and a
mainland report republished in traditional script keeps mainland signals (人民币, provinces).
"""

from __future__ import annotations

import re
from functools import cache

import opencc

from transforms.gazetteer import NameScanner
from transforms.normalize import ScriptVariant
from transforms.org_lexicon import load_lexicon

# Words that only a local paper writes about itself, weighted 3; plain place names weighted 1.
_SIGNALS: dict[str, tuple[tuple[str, int], ...]] = {
    "hk": (
        (r"本港|全港|港府|特區政府|特区政府|立法會|立法会|區議會|区议会|社署|社會福利署|公益金", 3),
        (r"港元|港幣|港币|HK\$", 2),
        (r"香港|九龍|九龙|新界|港島|港岛", 1),
    ),
    "mo": (
        (r"本澳|全澳|澳門特區|澳门特区|澳府|社會工作局|社会工作局|同善堂", 3),
        (r"澳門幣|澳门币|澳門元|澳门元|MOP", 2),
        (r"澳門|澳门|氹仔|路環|路环", 1),
    ),
    "tw": (
        (r"民國|民国|縣府|县府|市府|立委|衛福部|卫福部|內政部|内政部", 3),
        (r"新臺幣|新台幣|新台币|NT\$|台幣|台币", 2),
        (r"臺灣|台灣|台湾|臺北|台北|高雄|臺中|台中|臺南|台南|新北|桃園|花蓮|屏東|宜蘭", 1),
        # Counties and cities found nowhere else: a county paper names its own.
        (r"新竹|苗栗|彰化|南投|雲林|嘉義|臺東|台東|澎湖|基隆|金門|馬祖", 1),
    ),
    "mainland": (
        (r"人民币|人民幣|中共|乡村振兴|鄉村振興|驻村|駐村|省委|市委|县委|縣委", 3),
        (r"[\u4e00-\u9fff]{2,4}(?:省|自治区|自治區)", 1),
    ),
}
_PATTERNS = {
    locale: tuple((re.compile(words), weight) for words, weight in signals)
    for locale, signals in _SIGNALS.items()
}
# The province pattern tries every Han character as a start: it is searched for only near the
# words it ends with (see _provinces).
_PROVINCE_PATTERN = _PATTERNS["mainland"][1][0]
_PROVINCE_WORDS = re.compile(r"省|自治区|自治區")


@cache
def _local_bodies() -> NameScanner:
    """The lexicon's Hong Kong, Macau and Taiwan bodies (东华三院), in both scripts, each with its
    place: a page that names one is, like one that writes 本港, most likely that place's own.
    Found leftmost-longest, as an alternation of the forms longest first would find them (the
    scanner looks a position up by its first two characters instead of trying every form)."""
    bodies = load_lexicon().local_bodies
    forms = sorted(bodies, key=len, reverse=True)
    # One conversion of all forms, a line each, so no phrase rule joins two of them.
    traditional = opencc.OpenCC("s2t").convert("\n".join(forms)).split("\n")
    by_form = {**dict(zip(traditional, (bodies[f] for f in forms), strict=True)), **bodies}
    return NameScanner.of({form: (place,) for form, place in by_form.items()})


def _provinces(text: str) -> int:
    """How many times the mainland province pattern matches ``text`` (as ``findall`` counts).
    A match ends with a province word two to four characters after its start, so the search
    starts only four characters before the next such word: no match can start earlier."""
    count = 0
    position = 0
    while True:
        word = _PROVINCE_WORDS.search(text, position + 2)
        if word is None:
            return count
        match = _PROVINCE_PATTERN.search(text, max(position, word.start() - 4))
        if match is None:
            return count
        count += 1
        position = match.end()


def locale_scores(text: str) -> dict[str, int]:
    scores = {
        locale: sum(
            weight * (_provinces(text) if pattern is _PROVINCE_PATTERN else len(pattern.findall(text)))
            for pattern, weight in patterns
        )
        for locale, patterns in _PATTERNS.items()
    }
    for _, _, _, (place,) in _local_bodies().scan(text):
        scores[place] += 3
    return scores


def guess_locale(text: str, variant: ScriptVariant) -> str:
    """mainland, hk, mo or tw: the strongest signal, for traditional or mixed text only."""
    if variant not in ("traditional", "mixed"):
        return "mainland"
    scores = locale_scores(text)
    best = max(scores, key=lambda locale: scores[locale])
    return best if scores[best] > 0 else "mainland"
