"""Dagster resources: where data lives, which sites to crawl, and the warehouse."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from pipelines.settings import SAMPLES
from spiders.raw_store import RawStore
from spiders.registry import Site, load_registry
from spiders.sample_server import SAMPLE_ROOT, serve_sample_sites
from warehouse.db import make_engine, upgrade


class StorageResource(dg.ConfigurableResource):
    """Root of the raw store, staging files and digests (CHARITYNEWS_DATA_DIR)."""

    data_dir: str

    @property
    def root(self) -> Path:
        return Path(self.data_dir)

    def raw_store(self) -> RawStore:
        return RawStore(self.root / "raw")

    def staging(self, name: str) -> Path:
        return self.root / "staging" / name

    def site_staging(self, site: str, name: str) -> Path:
        """A staging file of one site partition."""
        return self.root / "staging" / site / name

    def digest_dir(self) -> Path:
        return self.root / "digest"


class SiteRegistryResource(dg.ConfigurableResource):
    """Which sites to crawl (CHARITYNEWS_SITES).

    ``samples`` is the offline stand-in: the bundled fictional sites, served for the length of
    the crawl by a local server on 127.0.0.1.  Any other value is the path of a registry file.
    """

    registry: str = SAMPLES
    crawler_log_level: str = "INFO"

    def registry_path(self) -> Path:
        return SAMPLE_ROOT / "sites.toml" if self.registry == SAMPLES else Path(self.registry)

    def sites(self) -> list[Site]:
        return load_registry(self.registry_path())

    @contextmanager
    def crawl_command(
        self, data_dir: Path, crawl_id: str, only: list[str] | None = None
    ) -> Iterator[list[str]]:
        """The crawler's command line (``only``: these sites, else all), with the sample server
        running if samples are used."""
        command = [
            sys.executable,
            "-m",
            "spiders.crawl",
            "--registry",
            str(self.registry_path()),
            "--data-dir",
            str(data_dir),
            "--crawl-id",
            crawl_id,
            "--log-level",
            self.crawler_log_level,
        ]
        for name in only or []:
            command += ["--site", name]
        if self.registry != SAMPLES:
            yield command
            return
        with serve_sample_sites() as running:
            yield [*command, "--proxy", running.proxy]


class WarehouseResource(dg.ConfigurableResource):
    """The SQL warehouse (CHARITYNEWS_DB_URL): SQLite by default, PostgreSQL in production."""

    db_url: str

    def migrated_engine(self) -> Engine:
        """An engine on the warehouse at the latest schema (steps side by side migrate in turn).

        A database this process already brought to the latest schema, and still at that
        revision, is not migrated again: the check is one query, where an upgrade loads every
        migration script (a fixed cost in each step of a small daily run)."""
        from pipelines.migration_lock import one_migration_at_a_time

        engine = make_engine(self.db_url)
        known = _MIGRATED.get(self.db_url)
        if known is not None and _revisions(engine) == known:
            return engine
        with one_migration_at_a_time(self.db_url):
            upgrade(self.db_url)
        if (revisions := _revisions(engine)) is not None:
            _MIGRATED[self.db_url] = revisions
        return engine


# Database URL → the revisions (alembic_version) this process last migrated it to.
_MIGRATED: dict[str, tuple[str, ...]] = {}


def _revisions(engine: Engine) -> tuple[str, ...] | None:
    """The database's alembic_version rows; None when it has none yet (a new database)."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
            return tuple(sorted(rows))
    except SQLAlchemyError:
        return None
