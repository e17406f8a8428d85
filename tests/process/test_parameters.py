"""Reading a notebook's parameters cell: the same answer as papermill, without importing it."""

from __future__ import annotations

import subprocess
import sys


def test_opening_a_study_in_a_kernel_imports_neither_papermill_nor_statsmodels_api(tmp_path):
    code = ("import sys, studylib as sl\n"
            f"sl.open_study('pair_profile', tie='surabaya-busan', output_dir={str(tmp_path)!r})\n"
            "import studylib.analysis.models\n"
            "print(sorted(m for m in ('papermill', 'nbformat', 'jsonschema', 'statsmodels.api') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
