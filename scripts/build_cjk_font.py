"""Build the CJK font the digest chart draws with: a subset of Noto Sans CJK SC Regular.

    .venv/bin/uv sync --inexact --group font-build     # the Noto Sans CJK release and fontTools
    .venv/bin/python scripts/build_cjk_font.py

The source is the variable Noto Sans CJK collection as the PyPI package ``manimgx-fonts-cjk``
ships it unmodified (SIL Open Font License 1.1).  We take its simplified-Chinese face, fix the
weight axis at Regular (400), and keep only the characters a chart can draw: GB 2312 (its 6,763
hanzi of levels 1 and 2 and its symbol rows), ASCII, and every character of the GB/T 2260
gazetteer's names.  The result, its licence and a SOURCE note go to pipelines/digest/fonts/, which
ships as package data.  Running it again gives the same file.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from importlib import metadata, resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "pipelines" / "digest" / "fonts"
FONT_NAME = "NotoSansCJKsc-Regular-subset.otf"
SOURCE_PACKAGE = "manimgx-fonts-cjk"
SC_FACE = "Noto Sans CJK SC"
REGULAR = 400


def gb2312_characters() -> set[str]:
    """Every character GB 2312 encodes: symbol rows 0xA1–0xA9 and hanzi rows 0xB0–0xF7."""
    found = set()
    for row in [*range(0xA1, 0xAA), *range(0xB0, 0xF8)]:
        for cell in range(0xA1, 0xFF):
            try:
                found.add(bytes([row, cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue  # unassigned cells
    return found


def gazetteer_characters() -> set[str]:
    text = (ROOT / "transforms" / "data" / "regions.tsv").read_text("utf-8")
    return {c for c in text if ord(c) > 0x7F}


def chart_characters() -> set[str]:
    ascii_printable = {chr(c) for c in range(0x20, 0x7F)}
    extra = set("…—–−±·、。，：；（）“”《》【】％＋")  # what format_amount and the labels use
    return gb2312_characters() | gazetteer_characters() | ascii_printable | extra


def source_font() -> tuple[Path, str]:
    import manimgx_fonts_cjk

    path = Path(resources.files(manimgx_fonts_cjk) / "NotoSansCJK-VF.otf.ttc")  # type: ignore[arg-type]
    return path, metadata.version(SOURCE_PACKAGE)


def build(out_dir: Path) -> Path:
    from fontTools import subset
    from fontTools.ttLib import TTCollection
    from fontTools.varLib import instancer

    path, version = source_font()
    collection = TTCollection(str(path))
    faces = [f for f in collection.fonts if f["name"].getDebugName(1) == SC_FACE]
    if not faces:
        sys.exit(f"no {SC_FACE!r} face in {path}")
    options = subset.Options()
    options.hinting = False  # drawn large and at 2x: hints add bytes, not sharpness
    options.desubroutinize = False
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.drop_tables += ["DSIG", "VORG", "vhea", "vmtx", "BASE"]  # no vertical text in a chart
    # The weight first, then the subset: fontTools' instancer cannot read the CFF2 a subset of
    # the variable font leaves (some minutes of CPU for all 65,000 glyphs; this runs rarely).
    font = instancer.instantiateVariableFont(faces[0], {"wght": REGULAR}, updateFontNames=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in chart_characters()))
    subsetter.subset(font)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / FONT_NAME
    font.save(str(target))
    licence = path.parent.parent / f"{SOURCE_PACKAGE.replace('-', '_')}-{version}.dist-info" / "licenses"
    shutil.copyfile(licence / "LICENSE", out_dir / "OFL.txt")
    (out_dir / "SOURCE.md").write_text(
        f"""# {FONT_NAME}

A subset of **Noto Sans CJK SC**, Regular (variable weight axis fixed at {REGULAR}), for the digest's
province chart (`pipelines/digest/chart.py`).

- Source: `NotoSansCJK-VF.otf.ttc` from the PyPI package `{SOURCE_PACKAGE}` {version}, which ships
  Noto Sans CJK unmodified. Copyright 2014-2021 Adobe, with Reserved Font Name 'Source'.
- Licence: SIL Open Font License 1.1, in `OFL.txt` beside this file (as the package ships it).
- Characters kept: GB 2312 (hanzi levels 1 and 2, and its symbol rows), printable ASCII, the
  characters of every name in `transforms/data/regions.tsv`, and a few punctuation marks the
  chart writes. No hinting, no vertical metrics.
- Built by `scripts/build_cjk_font.py` (see its docstring for the command).
""",
        "utf-8",
    )
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    args = parser.parse_args()
    target = build(args.out_dir)
    print(f"{target} ({target.stat().st_size / 1e6:.2f} MB, {len(chart_characters())} characters asked for)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
