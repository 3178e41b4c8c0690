"""Configuration from environment variables, with defaults that work offline out of the box."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SAMPLES = "samples"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    db_url: str
    sites: str  # "samples" (bundled sample sites, served locally) or a registry file path

    @property
    def staging_dir(self) -> Path:
        return self.data_dir / "staging"

    @property
    def digest_dir(self) -> Path:
        return self.data_dir / "digest"


def load_settings() -> Settings:
    data_dir = Path(os.environ.get("CHARITYNEWS_DATA_DIR", "data")).resolve()
    db_url = os.environ.get("CHARITYNEWS_DB_URL") or f"sqlite:///{data_dir / 'warehouse.sqlite'}"
    return Settings(data_dir=data_dir, db_url=db_url, sites=os.environ.get("CHARITYNEWS_SITES", SAMPLES))


def public_url() -> str | None:
    """CHARITYNEWS_PUBLIC_URL: where the unsubscribe page is served (digest links point there)."""
    return os.environ.get("CHARITYNEWS_PUBLIC_URL") or None
