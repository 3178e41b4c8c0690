import subprocess
import sys
from pathlib import Path

from pipelines.definitions import defs

ROOT = Path(__file__).resolve().parents[1]


def test_every_stage_is_an_asset_with_a_description() -> None:
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys == {"raw_pages", "articles", "mentions", "warehouse_tables", "weekly_digest"}
    for key in graph.get_all_asset_keys():
        assert len(graph.get(key).description or "") > 80, key


def test_dagster_cli_validates_the_workspace() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "All code locations passed validation" in result.stderr + result.stdout
