"""Build transforms/_native (compiled loops of tagger, name scanner and MinHash): ``make env`` runs it.

    python -m transforms.build_native [--force]

Compiles transforms/_native.c with the C compiler Python was built with, against this
interpreter's headers, into transforms/_native<EXT_SUFFIX>.  Skipped when the built file is
newer than its source.  Without a compiler it says so and exits 0: the tagger and the name scan
then run in pure Python and the MinHash signatures in numpy, with the same results and more CPU
(README, "Measuring extraction").
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "_native.c"


def target() -> Path:
    return HERE / f"_native{sysconfig.get_config_var('EXT_SUFFIX')}"


def compiler() -> list[str] | None:
    configured = shlex.split(sysconfig.get_config_var("CC") or "cc")
    if shutil.which(configured[0]):
        return configured
    fallback = shutil.which("cc") or shutil.which("gcc")
    return [fallback] if fallback else None


def build(force: bool = False) -> int:
    out = target()
    if not force and out.exists() and out.stat().st_mtime >= SOURCE.stat().st_mtime:
        return 0
    cc = compiler()
    if cc is None:
        print("transforms.build_native: no C compiler; the tagger routes in pure Python", file=sys.stderr)
        return 0
    include = sysconfig.get_paths()["include"]
    # -O2 without -ffast-math: the route's sums must round as Python's floats do.
    command = [*cc, "-O2", "-fPIC", "-shared", "-Wall", f"-I{include}", str(SOURCE), "-o", f"{out}.tmp"]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        print(
            f"transforms.build_native: compiling {SOURCE.name} failed; the tagger routes in pure Python\n"
            f"{done.stderr.strip()}",
            file=sys.stderr,
        )
        Path(f"{out}.tmp").unlink(missing_ok=True)
        return 0
    Path(f"{out}.tmp").replace(out)  # atomic: a running process never sees half a library
    print(f"transforms.build_native: built {out.name}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m transforms.build_native", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    return build(parser.parse_args(argv).force)


if __name__ == "__main__":
    sys.exit(main())
