"""The Dagster UI for real: `dagster dev` on 127.0.0.1 loads every asset, check, schedule and
sensor of the definitions (asked through its GraphQL API), draws the asset graph in headless
Chromium, and stops with its whole process tree on one SIGINT to its process group."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.definitions import defs
from tests.browser import chromium_page
from tests.process_group import free_port, start_group, stop_group

ROOT = Path(__file__).resolve().parents[1]
READY_SECONDS = 240  # two shared cores: loading the code location alone takes a while
STOP_SECONDS = 90

QUERY = """
{
  assetNodes {
    assetKey { path }
    groupName
    assetChecksOrError { ... on AssetChecks { checks { name } } }
  }
  repositoriesOrError {
    ... on RepositoryConnection { nodes { schedules { name } sensors { name } } }
  }
}
"""


@dataclass
class RunningUI:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def graphql(self, query: str) -> dict:
        request = urllib.request.Request(
            f"{self.url}/graphql",
            data=json.dumps({"query": query}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            body = json.load(response)
        assert "errors" not in body, body["errors"]
        return body["data"]


def _wait_ready(ui: RunningUI) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if ui.process.poll() is not None:
            pytest.fail(f"dagster dev exited with {ui.process.returncode}:\n{ui.log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{ui.url}/server_info", timeout=5) as response:
                if response.status == 200:
                    # The webserver answers before the code location is loaded; wait for it too.
                    nodes = ui.graphql("{ assetNodes { id } }")["assetNodes"]
                    if nodes:
                        return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(1)
    pytest.fail(f"dagster dev not ready after {READY_SECONDS} s:\n{ui.log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def dagster_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningUI]:
    if shutil.which("dagster", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("dagster is not installed in this environment (`make env`)")
    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copy(ROOT / "deploy" / "dagster-dev.yaml", home / "dagster.yaml")  # nux and telemetry off
    log = home / "dagster-dev.log"
    port = free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "CHARITYNEWS_DATA_DIR": str(tmp_path_factory.mktemp("data")),
    }
    command = [str(Path(sys.executable).parent / "dagster"), "dev", "-w", "workspace.yaml"]
    process, pgid = start_group([*command, "-h", "127.0.0.1", "-p", str(port)], cwd=ROOT, env=env, log=log)
    ui = RunningUI(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_ready(ui)
        yield ui
    finally:
        leftover = stop_group(process, pgid, signal.SIGINT, STOP_SECONDS)
    assert not leftover, f"processes of dagster dev still running {STOP_SECONDS} s after SIGINT"


def test_every_definition_is_loaded_in_the_ui(dagster_ui: RunningUI) -> None:
    data = dagster_ui.graphql(QUERY)
    graph = defs.resolve_asset_graph()
    loaded_assets = {"/".join(n["assetKey"]["path"]): n for n in data["assetNodes"]}
    assert set(loaded_assets) == {k.to_user_string() for k in graph.get_all_asset_keys()}
    for key in graph.get_all_asset_keys():
        assert loaded_assets[key.to_user_string()]["groupName"] == graph.get(key).group_name
    loaded_checks = {
        ("/".join(n["assetKey"]["path"]), check["name"])
        for n in data["assetNodes"]
        for check in n["assetChecksOrError"].get("checks", [])
    }
    assert loaded_checks == {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    (repository,) = data["repositoriesOrError"]["nodes"]
    assert {s["name"] for s in repository["schedules"]} == {s.name for s in defs.schedules}
    assert {s["name"] for s in repository["sensors"]} == {s.name for s in defs.sensors}


def test_asset_graph_screenshot(dagster_ui: RunningUI, tmp_path: Path) -> None:
    shot = tmp_path / "asset-graph.png"
    with chromium_page(2200, 1000) as page:
        page.goto(f"{dagster_ui.url}/asset-groups", wait_until="networkidle", timeout=120_000)
        page.wait_for_selector("text=Global asset lineage", timeout=60_000)
        # Groups start collapsed; open each (its unfold icon) so the assets themselves show.
        unfold = page.locator("foreignObject.group [aria-label='unfold_more']")
        unfold.first.wait_for(timeout=60_000)
        while unfold.count():
            unfold.first.click()
            page.wait_for_timeout(500)
        # Room for the graph, then zoom out until it fits: nodes off screen are not drawn at all.
        page.get_by_text("Hide navigation").click()
        for _ in range(8):
            page.locator("[aria-label='zoom_out']").first.click()
            page.wait_for_timeout(400)
        for key in defs.resolve_asset_graph().get_all_asset_keys():
            page.wait_for_selector(f"text={key.to_user_string()}", timeout=30_000)
        page.wait_for_timeout(1000)  # edges are drawn after the nodes
        page.screenshot(path=str(shot))
        text = page.inner_text("body")
    assert "Welcome" not in text and "telemetry" not in text.lower()  # no pop-up over the graph
    assert shot.stat().st_size > 50_000  # a drawn graph, not a blank page
    if os.environ.get("CHARITYNEWS_UI_SHOT"):  # to look at it: CHARITYNEWS_UI_SHOT=/tmp/ui-shot.png
        shutil.copy(shot, os.environ["CHARITYNEWS_UI_SHOT"])
