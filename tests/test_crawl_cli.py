"""``charitynews crawl``: the dry run an operator uses to check a new site, and its refusals."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from crawl_support import ROOT

from pipelines.cli import main
from spiders.fixture_web import FixtureConfig, registry_toml, serve_fixture_web


def _charitynews(*args: str, data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "crawl", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CHARITYNEWS_DATA_DIR": str(data_dir), **env},
    )


def test_dry_run_shows_what_would_be_stored_and_stores_nothing(tmp_path: Path) -> None:
    with serve_fixture_web(FixtureConfig(articles=8, page_size=5)) as web:
        registry = tmp_path / "sites.toml"
        registry.write_text(registry_toml(web), "utf-8")
        done = _charitynews(
            "--registry", str(registry), "--site", "fx-list", "--limit", "3", "--dry-run", data_dir=tmp_path
        )
        article_hits = sum(web.hits[p] for p in web.list_article_paths())
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "dry run (nothing is stored)" in out
    assert out.count("\narticle 200") == 3 and article_hits == 3  # --limit 3: three articles fetched
    assert "title     青禾公益基金会向湘西三县捐赠助学金320万元" in out
    assert "published 2026-11-01T09:00:00" in out
    assert "encoding utf-8 (header)" in out
    assert "body      " in out and "source    善行资讯网" in out
    assert not (tmp_path / "raw").exists()


def test_unknown_site_and_bad_registry_are_refused_before_any_fetch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # In-process: every refusal happens before Scrapy's reactor would start.
    monkeypatch.setenv("CHARITYNEWS_DATA_DIR", str(tmp_path))
    registry = tmp_path / "sites.toml"
    registry.write_text(registry_toml("http://127.0.0.1:9"), "utf-8")
    assert main(["crawl", "--registry", str(registry), "--site", "nope", "--dry-run"]) == 2
    assert "unknown site(s) ['nope']" in capsys.readouterr().err
    registry.write_text('[[site]]\nname = "x"\n', "utf-8")
    assert main(["crawl", "--registry", str(registry), "--dry-run"]) == 2
    assert "missing required key 'title'" in capsys.readouterr().err
    monkeypatch.setenv("CHARITYNEWS_USER_AGENT", "anonymous-bot")
    assert main(["crawl", "--registry", str(registry)]) == 2
    assert "no contact URL" in capsys.readouterr().err
    assert main(["crawl", "--registry", str(registry), "--limit", "0"]) == 2
    assert "--limit must be at least 1" in capsys.readouterr().err
    assert not (tmp_path / "raw").exists()


def test_dry_run_on_an_unreachable_site_says_one_line_per_failed_url(tmp_path: Path) -> None:
    # The real console script; nothing listens on 127.0.0.1:9, so every fetch is refused.
    registry = tmp_path / "sites.toml"
    registry.write_text(registry_toml("http://127.0.0.1:9"), "utf-8")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "charitynews"), "crawl", "--registry", str(registry), "--dry-run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CHARITYNEWS_DATA_DIR": str(tmp_path)},
    )
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "Gave up retrying" not in output, output
    lines = [line for line in output.splitlines() if line.strip()]
    failed = [line for line in lines if " ERR " in line]
    start_urls = ["/news/", "/sitemap_index.xml", "/feeds/rss.xml", "/feeds/atom.xml", "/enc/", "/trouble/"]
    for path in start_urls:
        said = [line for line in failed if line.split()[2].endswith(path)]
        assert len(said) == 1 and "failed: Connection was refused" in said[0], (path, output)
    assert any(line.startswith("robots  ERR") for line in failed)  # the host's robots.txt, once
    # Then the summary, and nothing but these lines: the header, the failures, the summary.
    summary = lines.index(next(line for line in lines if line.startswith("finished (")))
    assert lines[1:summary] == failed and len(lines) == summary + 1 + 5, output
    assert result.returncode == 1  # nothing fetched
