"""The site registry: which sites to crawl and how to read them (TOML).

Every key is checked on load; a mistake raises ``RegistryError`` naming the file, the site and
the key, so an operator adding a source learns what is wrong before anything is fetched.  The
schema is documented for operators in ``docs/adding-a-site.md``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import soupsieve

from transforms.article import Selectors

LOCALES = ("mainland", "hk", "mo", "tw")
_REQUIRED_KEYS = ("name", "title", "homepage", "article_url_pattern")
_OPTIONAL_KEYS = (
    "locale",
    "region",
    "start_urls",
    "list_url_pattern",
    "sitemaps",
    "feeds",
    "selectors",
    "allowed_domains",
    "politeness",
    "verified",
    "notes",
    "sample",
)
_SITE_KEYS = {*_REQUIRED_KEYS, *_OPTIONAL_KEYS}
_SELECTOR_KEYS = ("title", "date", "body", "source")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_NEVER = re.compile(r"(?!)")  # a list_url_pattern for sites discovered only by sitemaps or feeds


class RegistryError(ValueError):
    """The registry file is malformed; the message names the file, site and key."""


@dataclass(frozen=True)
class Politeness:
    """Per-site overrides of the crawl's polite defaults (``None``: the default applies)."""

    download_delay: float | None = None  # seconds between requests to one domain, at least
    concurrency: int | None = None  # requests in flight to one domain, at most
    timeout: float | None = None  # seconds before a request is given up (then retried)
    max_page_mb: float | None = None  # larger responses are abandoned and recorded

    @property
    def max_page_bytes(self) -> int | None:
        return None if self.max_page_mb is None else int(self.max_page_mb * 1024 * 1024)


_POLITENESS_TYPES: dict[str, type] = {
    "download_delay": float,
    "concurrency": int,
    "timeout": float,
    "max_page_mb": float,
}


@dataclass(frozen=True)
class Site:
    name: str
    title: str
    homepage: str
    start_urls: tuple[str, ...]  # list pages; pagination links matching list_url_pattern are followed
    list_url_pattern: re.Pattern[str]
    article_url_pattern: re.Pattern[str]
    locale: str = "mainland"
    region: str | None = None  # home province, for short forms such as 省民政厅
    selectors: Selectors = field(default_factory=Selectors)
    allowed_domains: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()  # sitemap.xml, sitemap indexes, .xml.gz
    feeds: tuple[str, ...] = ()  # RSS 2.0 or Atom
    politeness: Politeness = field(default_factory=Politeness)
    verified: bool = True  # False until an operator has crawled it and checked the output
    notes: str = ""
    sample: Mapping[str, Any] = field(default_factory=dict)

    def is_article(self, url: str) -> bool:
        return bool(self.article_url_pattern.search(url))

    def is_list(self, url: str) -> bool:
        return bool(self.list_url_pattern.search(url))


class _SiteReader:
    """Reads one ``[[site]]`` table; every error message starts with ``where``."""

    def __init__(self, raw: dict[str, Any], where: str) -> None:
        self.raw = raw
        self.where = where

    def fail(self, message: str) -> RegistryError:
        return RegistryError(f"{self.where}: {message}")

    def text(self, key: str, default: str | None = None) -> str | None:
        value = self.raw.get(key, default)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise self.fail(f"{key} must be a non-empty string, not {value!r}")
        return value

    def url(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise self.fail(f"{key}: {value!r} is not a URL string")
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.hostname or " " in value:
            raise self.fail(f"{key}: {value!r} is not an http(s) URL")
        return value

    def urls(self, key: str) -> tuple[str, ...]:
        value = self.raw.get(key, [])
        if isinstance(value, str) or not isinstance(value, list):
            raise self.fail(f"{key} must be a list of URLs, not {value!r}")
        return tuple(self.url(v, key) for v in value)

    def pattern(self, key: str) -> re.Pattern[str] | None:
        value = self.raw.get(key)
        if value is None:
            return None
        # Several patterns (one per URL scheme a site has used) become one alternation.
        parts = [value] if isinstance(value, str) else value
        if not isinstance(parts, list) or not parts or not all(isinstance(p, str) and p for p in parts):
            raise self.fail(f"{key} must be a regular expression or a list of them, not {value!r}")
        for part in parts:
            try:
                re.compile(part)
            except re.error as exc:
                raise self.fail(f"{key} {part!r} is not a valid regular expression: {exc}") from exc
        return re.compile("|".join(f"(?:{p})" for p in parts))

    def selectors(self) -> Selectors:
        value = self.raw.get("selectors", {})
        if not isinstance(value, dict):
            raise self.fail(f"selectors must be a table, not {value!r}")
        unknown = set(value) - set(_SELECTOR_KEYS)
        if unknown:
            raise self.fail(f"selectors: unknown key(s) {sorted(unknown)}; allowed: {list(_SELECTOR_KEYS)}")
        for key, css in value.items():
            if not isinstance(css, str) or not css.strip():
                raise self.fail(f"selectors.{key} must be a CSS selector string, not {css!r}")
            try:
                soupsieve.compile(css)
            except (soupsieve.SelectorSyntaxError, ValueError) as exc:
                first_line = str(exc).splitlines()[0]
                raise self.fail(f"selectors.{key} {css!r} is not a valid CSS selector: {first_line}") from exc
        return Selectors(**value)

    def politeness(self) -> Politeness:
        value = self.raw.get("politeness", {})
        if not isinstance(value, dict):
            raise self.fail(f"politeness must be a table, not {value!r}")
        unknown = set(value) - set(_POLITENESS_TYPES)
        if unknown:
            raise self.fail(
                f"politeness: unknown key(s) {sorted(unknown)}; allowed: {sorted(_POLITENESS_TYPES)}"
            )
        for key, number in value.items():
            wanted = _POLITENESS_TYPES[key]
            ok = isinstance(number, (int, float)) and not isinstance(number, bool)
            if not ok or (wanted is int and not isinstance(number, int)) or number < 0:
                raise self.fail(f"politeness.{key} must be a non-negative {wanted.__name__}, not {number!r}")
        if value.get("concurrency") == 0:
            raise self.fail("politeness.concurrency must be at least 1")
        return Politeness(**{k: _POLITENESS_TYPES[k](v) for k, v in value.items()})

    def site(self) -> Site:
        raw = self.raw
        unknown = set(raw) - _SITE_KEYS
        if unknown:
            raise self.fail(f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_SITE_KEYS)}")
        for key in _REQUIRED_KEYS:
            if key not in raw:
                raise self.fail(f"missing required key {key!r}")
        name = self.text("name") or ""
        if not _NAME.match(name):
            raise self.fail(f"name {name!r} must be lower-case letters, digits, '-' or '_'")
        self.where = f"{self.where} ({name})"
        locale = raw.get("locale", "mainland")
        if locale not in LOCALES:
            raise self.fail(f"locale {locale!r} is not one of {LOCALES}")
        homepage = self.url(raw["homepage"], "homepage")
        start_urls, sitemaps, feeds = self.urls("start_urls"), self.urls("sitemaps"), self.urls("feeds")
        if not (start_urls or sitemaps or feeds):
            raise self.fail("no discovery method: give start_urls (list pages), sitemaps or feeds")
        domains_value = raw.get("allowed_domains", [])
        if not isinstance(domains_value, list) or not all(isinstance(d, str) and d for d in domains_value):
            raise self.fail(f"allowed_domains must be a list of host names, not {domains_value!r}")
        domains = tuple(domains_value) or tuple(
            sorted({urlparse(u).hostname or "" for u in (homepage, *start_urls, *sitemaps, *feeds)})
        )
        for url in (*start_urls, *sitemaps, *feeds):
            host = urlparse(url).hostname or ""
            if not any(host == d or host.endswith("." + d) for d in domains):
                raise self.fail(f"{url!r} is outside allowed_domains {list(domains)}")
        verified = raw.get("verified", True)
        if not isinstance(verified, bool):
            raise self.fail(f"verified must be true or false, not {verified!r}")
        sample = raw.get("sample", {})
        if not isinstance(sample, dict):
            raise self.fail(f"sample must be a table, not {sample!r}")
        return Site(
            name=name,
            title=self.text("title") or "",
            homepage=homepage,
            start_urls=start_urls,
            list_url_pattern=self.pattern("list_url_pattern") or _NEVER,
            article_url_pattern=self.pattern("article_url_pattern") or _NEVER,
            locale=locale,
            region=self.text("region"),
            selectors=self.selectors(),
            allowed_domains=domains,
            sitemaps=sitemaps,
            feeds=feeds,
            politeness=self.politeness(),
            verified=verified,
            notes=self.text("notes", "") if raw.get("notes") else "",
            sample=sample,
        )


def parse_registry(text: str, source: str = "<registry>") -> list[Site]:
    """Validate registry text; ``source`` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{source}: not valid TOML: {exc}") from exc
    unknown = set(data) - {"site"}
    if unknown:
        raise RegistryError(f"{source}: unknown top-level key(s) {sorted(unknown)}; sites go in [[site]]")
    tables = data.get("site", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise RegistryError(f"{source}: 'site' must be an array of tables ([[site]])")
    sites = [_SiteReader(raw, f"{source} site #{i + 1}").site() for i, raw in enumerate(tables)]
    names = [s.name for s in sites]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise RegistryError(f"{source}: duplicate site name(s) {duplicates}")
    return sites


def load_registry(path: Path) -> list[Site]:
    """Read and validate a registry file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{path}: cannot read registry: {exc}") from exc
    return parse_registry(text, str(path))
