"""Real organizations that no suffix rule finds, read from ``transforms/data/organizations.tsv``.

Brands as newspapers write companies (腾讯, 蜜雪冰城), Hong Kong and Macau charities with their
own forms (东华三院, 保良局, 澳门明爱), central bodies known by their short names (全国总工会,
香港中联办).  Every entry is a fact from a public list named in ``organizations.SOURCE.md``.
A few names are written bare on the pages of one place and stand for that place's body there
(公益金 on a Hong Kong page is 香港公益金): those are ``LOCAL_FORMS``, used only with the locale;
the body is the place and the form (特区政府 → 香港特区政府) unless the body is named otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from transforms.gazetteer import NameScanner

# A bare form → the body it names on pages of each locale.
LOCAL_FORMS: dict[str, dict[str, str]] = {
    "公益金": {"hk": "香港公益金"},
    "明爱": {"hk": "香港明爱", "mo": "澳门明爱"},
    "宣明会": {"hk": "香港世界宣明会"},
    "红十字会": {"hk": "香港红十字会", "mo": "澳门红十字会", "tw": "中华民国红十字会"},
    "特区政府": {"hk": "香港特区政府", "mo": "澳门特区政府"},
    "中联办": {"hk": "香港中联办", "mo": "澳门中联办"},
    "同善堂": {"mo": "澳门同善堂"},
    # 仁爱堂 is a Hong Kong charity's name; elsewhere it ends other halls' names (某某仁爱堂).
    "仁爱堂": {"hk": "仁爱堂"},
    "仁慈堂": {"mo": "澳门仁慈堂"},
    "社会工作局": {"mo": "澳门社会工作局"},
    "社工局": {"mo": "澳门社会工作局"},
    "教育暨青年局": {"mo": "澳门教育暨青年局"},
    "赈灾基金会": {"tw": "财团法人赈灾基金会"},
}


@dataclass(frozen=True)
class OrganizationLexicon:
    names: dict[str, tuple[str, str]]  # written form → (the entry's name, type)
    scanner: NameScanner  # every written form, and the bare local forms
    types: dict[str, str]  # entry name (and each local form's body) → type
    # Written forms of the Hong Kong, Macau and Taiwan parts (source hk, mo, tw) → that locale.
    local_bodies: dict[str, str] = field(default_factory=dict)

    def local_name(self, form: str, locale: str | None) -> str | None:
        """The body a bare local form names on a page of ``locale``, or None."""
        return LOCAL_FORMS.get(form, {}).get(locale or "")


@cache
def load_lexicon() -> OrganizationLexicon:
    text = resources.files("transforms.data").joinpath("organizations.tsv").read_text(encoding="utf-8")
    names: dict[str, tuple[str, str]] = {}
    types: dict[str, str] = {}
    local_bodies: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#") or number == 1:
            continue
        fields = line.split("\t")
        if len(fields) != 4:
            raise ValueError(f"organizations.tsv line {number}: 4 tab-separated fields expected")
        name, kind, forms, source = fields
        types[name] = kind
        for form in (name, *(f for f in forms.split("|") if f)):
            names[form] = (name, kind)
            if source in ("hk", "mo", "tw") and len(form) >= 3:
                local_bodies[form] = source
    for by_locale in LOCAL_FORMS.values():
        for body in by_locale.values():
            types.setdefault(body, types.get(body.removeprefix("香港").removeprefix("澳门"), "other"))
    scanned = {form: (name,) for form, (name, _) in names.items()}
    scanned.update({form: () for form in LOCAL_FORMS if form not in scanned})
    return OrganizationLexicon(names, NameScanner.of(scanned), types, local_bodies)
