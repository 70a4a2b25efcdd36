"""bench/circuit.py --quick: the benchmark's code paths run and its variants agree."""

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_circuit_bench_quick_variants_agree():
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "circuit.py"), "--quick"],
                          capture_output=True, text=True, check=True, timeout=120)  # fmt: skip
    rows = [r for r in proc.stdout.splitlines() if r.startswith("| ") and "/" in r.split("|")[1]]
    assert {r.split("|")[1].strip() for r in rows} >= {"default/pair", "default/all",
                                                         "spsolve/pair", "superlu-reused/all"}  # fmt: skip
    for row in rows:
        diff = row.split("|")[6].strip()
        assert re.fullmatch(r"\d\.\de[+-]\d\d", diff), row
        assert float(diff) < 1e-9, row
