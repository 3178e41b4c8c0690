import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).parent / "charitynews")


def test_extract_jsonl_reads_encodings_and_reports_bad_files(tmp_path: Path) -> None:
    big5 = tmp_path / "hk.txt"
    big5.write_bytes("港九公益金今年籌得善款1.2億港元，資助長者服務。".encode("big5"))
    html = tmp_path / "page.html"
    html.write_bytes(
        '<html><head><meta charset="gbk"><title>新闻</title></head><body><h1>湖南省民政厅拨付救助资金</h1>'
        "<p>发布时间：2026-11-18</p><div><p>湖南省民政厅向怀化市拨付临时救助资金3200万元，"
        "用于困难群众基本生活保障。</p></div></body></html>".encode("gbk")
    )
    missing = tmp_path / "missing.txt"
    result = subprocess.run(
        [CLI, "extract", "--jsonl", str(big5), str(missing), str(html)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 1  # one input could not be read
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["source"] for line in lines] == [str(big5), str(missing), str(html)]
    hk, bad, page = lines
    assert hk["variant"] == "traditional"
    assert [(a["value"], a["currency"]) for a in hk["amounts"]] == [(120000000, "HKD")]
    assert "error" in bad
    assert page["published"] == "2026-11-18"
    assert [a["value"] for a in page["amounts"]] == [32000000]
    assert {r["code"] for r in page["regions"]} == {"430000", "431200"}
    assert [o["name"] for o in page["organizations"]] == ["湖南省民政厅"]
