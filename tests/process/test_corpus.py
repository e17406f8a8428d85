"""The malformed-bundle corpus: every case is refused with file, line and column, exit 2, nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def test_cli_prints_no_traceback_for_corpus_cases():
    for name in ("latin1_encoding", "xlsx_merged_header", "ragged_row"):
        done = subprocess.run([sys.executable, "-m", "studylib", "validate", "--standalone", "--data", str(CORPUS / name)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and "Traceback" not in done.stderr and done.stderr.startswith("error:")
