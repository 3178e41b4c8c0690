"""The site registry: which sites to crawl and how to read them (TOML)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from transforms.article import Selectors

LOCALES = ("mainland", "hk", "mo", "tw")
_REQUIRED_KEYS = ("name", "title", "homepage", "start_urls", "list_url_pattern", "article_url_pattern")
_OPTIONAL_KEYS = ("locale", "region", "selectors", "allowed_domains", "download_delay", "sample")
_SITE_KEYS = {*_REQUIRED_KEYS, *_OPTIONAL_KEYS}


class RegistryError(ValueError):
    """The registry file is malformed; the message names the file, site and key."""


@dataclass(frozen=True)
class Site:
    name: str
    title: str
    homepage: str
    start_urls: tuple[str, ...]
    list_url_pattern: re.Pattern[str]
    article_url_pattern: re.Pattern[str]
    locale: str = "mainland"
    region: str | None = None  # home province, for short forms such as 省民政厅
    selectors: Selectors = field(default_factory=Selectors)
    allowed_domains: tuple[str, ...] = ()
    download_delay: float | None = None
    sample: Mapping[str, Any] = field(default_factory=dict)


def _site(raw: dict[str, Any], where: str) -> Site:
    unknown = set(raw) - _SITE_KEYS
    if unknown:
        raise RegistryError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(_SITE_KEYS)}")
    for key in _REQUIRED_KEYS:
        if key not in raw:
            raise RegistryError(f"{where}: missing required key {key!r}")
    name = raw["name"]

    def url(value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise RegistryError(f"{where}: {value!r} is not an http(s) URL")
        return value

    def pattern(key: str) -> re.Pattern[str]:
        try:
            return re.compile(raw[key])
        except re.error as exc:
            raise RegistryError(f"{where}: {key} is not a valid regular expression: {exc}") from exc

    locale = raw.get("locale", "mainland")
    if locale not in LOCALES:
        raise RegistryError(f"{where}: locale {locale!r} is not one of {LOCALES}")
    start_urls = tuple(url(u) for u in raw["start_urls"])
    homepage = url(raw["homepage"])
    domains = tuple(raw.get("allowed_domains", ())) or tuple(
        sorted({urlparse(u).hostname or "" for u in (homepage, *start_urls)})
    )
    return Site(
        name=name,
        title=raw["title"],
        homepage=homepage,
        start_urls=start_urls,
        list_url_pattern=pattern("list_url_pattern"),
        article_url_pattern=pattern("article_url_pattern"),
        locale=locale,
        region=raw.get("region"),
        selectors=Selectors(**raw.get("selectors", {})),
        allowed_domains=domains,
        download_delay=raw.get("download_delay"),
        sample=raw.get("sample", {}),
    )


def load_registry(path: Path) -> list[Site]:
    """Read and validate a registry file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RegistryError(f"{path}: cannot read registry: {exc}") from exc
    sites = [_site(raw, f"{path} site #{i + 1}") for i, raw in enumerate(data.get("site", []))]
    names = [s.name for s in sites]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise RegistryError(f"{path}: duplicate site name(s) {duplicates}")
    return sites
