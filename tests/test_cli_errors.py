"""A user's own mistake gets one line and exit code 2, never a traceback (issue 17, points 4–6, 15).

Every test runs the real console script, as a user would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CLI = str(BIN / "charitynews")
# Port 1 on loopback: nothing listens there, so the connection is refused at once.
UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/test"


def _run(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args),
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def _one_line_refusal(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0], lines[0]


# Each command meets at least two kinds of bad URL; each kind is met by at least two commands.
BAD_URLS = [
    (["sql", "SELECT 1"], "not-a-url", "'not-a-url' is not a database URL"),
    (["subscribers", "list"], "not-a-url", "'not-a-url' is not a database URL"),
    (
        ["export", "--table", "gift", "--format", "csv", "--out", "x.csv"],
        "postgres://x",
        "postgresql+psycopg://",
    ),
    (["db-upgrade"], "postgres://x", "postgresql+psycopg://"),
    (["digest", "--preview", "out"], "postgres://x", "postgresql+psycopg://"),
    (
        ["export", "--query", "SELECT 1", "--format", "parquet", "--out", "x.parquet"],
        UNREACHABLE,
        "cannot connect",
    ),
    (["digest", "--week", "2026-W47", "--preview", "out"], UNREACHABLE, "cannot connect"),
    (["db-upgrade"], UNREACHABLE, "cannot connect"),
    (["subscribers", "add", "a@example.org"], UNREACHABLE, "cannot connect"),
    (["sql", "SELECT 1"], "mysql://u@localhost/db", "unsupported database 'mysql'"),
]


@pytest.mark.parametrize(("args", "url", "message"), BAD_URLS, ids=lambda v: str(v)[:40])
def test_a_bad_database_url_is_one_line_and_exit_2(
    args: list[str], url: str, message: str, tmp_path: Path
) -> None:
    # The URL comes from --db for most commands and from CHARITYNEWS_DB_URL for db-upgrade and
    # export, so both ways are covered.
    if args[0] in ("db-upgrade", "export"):
        result = _run(CLI, *args, env={"CHARITYNEWS_DB_URL": url}, cwd=tmp_path)
    else:
        result = _run(CLI, *args, "--db", url, cwd=tmp_path)
    _one_line_refusal(result, message)
    assert list(tmp_path.iterdir()) == []  # nothing written


MISSING = [
    ["sql", "SELECT 1"],
    ["export", "--table", "gift", "--format", "jsonl", "--out", "x.jsonl"],
    ["digest", "--preview", "out"],
    ["subscribers", "list"],
    ["subscribers", "add", "a@example.org"],
]


@pytest.mark.parametrize("args", MISSING, ids=lambda a: " ".join(a[:2]))
def test_a_missing_sqlite_warehouse_is_refused_naming_the_path(args: list[str], tmp_path: Path) -> None:
    typo = tmp_path / "wherehouse.sqlite"
    result = _run(CLI, *args, "--db", f"sqlite:///{typo}", cwd=tmp_path)
    _one_line_refusal(result, f"no warehouse at {typo}", "db-upgrade")
    assert not typo.exists()  # no new empty warehouse


def test_db_upgrade_creates_the_warehouse_the_others_then_open(tmp_path: Path) -> None:
    path = tmp_path / "new" / "warehouse.sqlite"
    url = f"sqlite:///{path}"
    created = _run(CLI, "db-upgrade", "--db", url)
    assert created.returncode == 0, created.stderr
    assert path.is_file()
    listed = _run(CLI, "subscribers", "list", "--db", url)
    assert listed.returncode == 0 and listed.stderr.strip() == "0 subscriber(s)", listed.stderr


@pytest.mark.postgres
def test_a_postgresql_database_that_does_not_exist_is_one_line(postgres_server: str) -> None:
    url = postgres_server.rsplit("/", 1)[0] + "/no_such_db_issue17"
    _one_line_refusal(_run(CLI, "sql", "SELECT 1", "--db", url), "cannot connect", "no_such_db_issue17")


def test_alembic_check_without_a_database_url_says_what_to_set(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CHARITYNEWS_DB_URL"}
    result = subprocess.run(
        [str(BIN / "alembic"), "check"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert "CHARITYNEWS_DB_URL is not set" in result.stderr + result.stdout
    typo = tmp_path / "nope.sqlite"
    env["CHARITYNEWS_DB_URL"] = f"sqlite:///{typo}"
    result = subprocess.run(
        [str(BIN / "alembic"), "check"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120
    )
    assert result.returncode != 0 and f"no warehouse at {typo}" in result.stderr + result.stdout
    assert not typo.exists()


def test_heldout_evaluation_without_the_eval_extra_says_run_make_eval() -> None:
    import importlib.util

    if importlib.util.find_spec("jionlp") is not None:
        pytest.skip("the eval extra is installed here: the peers run")
    result = _run(sys.executable, "-m", "evaluation", "--split", "heldout")
    _one_line_refusal(result, "make eval", "--no-peers")


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("demo", "sample sites"),
        ("serve-samples", "proxy"),
        ("db-upgrade", "migrations"),
    ],
)
def test_every_command_describes_itself_in_help(command: str, words: str) -> None:
    result = _run(CLI, command, "--help")
    assert result.returncode == 0
    body = result.stdout.split("\n\n", 1)[1]  # what follows the usage line
    assert words in " ".join(body.split())
