"""The command line: clear messages, exit status 2 for user errors, no tracebacks, nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bundles import base_rows, write_bundle


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "studylib", *args], capture_output=True, text=True, timeout=300, cwd=cwd)


def test_validate_default_data_prints_summary(tmp_path):
    done = _cli("validate", cwd=tmp_path)  # paths never depend on the working directory
    assert done.returncode == 0, done.stderr
    assert "activities" in done.stdout and "with a locator" in done.stdout and "OK" in done.stdout


def test_validate_bad_bundle_exits_2_with_locations(tmp_path):
    rows = base_rows()
    rows["activities"][1]["sector"] = "educaton"
    done = _cli("validate", "--standalone", "--data", str(write_bundle(tmp_path / "b", rows)))
    assert done.returncode == 2
    assert "activities.csv:3: column 'sector':" in done.stderr and "did you mean 'education'" in done.stderr
    assert "Traceback" not in done.stderr


# ------------------------------------------------------------------ a closed pipe (#30: studylib list | head -1)
def test_studylib_list_into_head_exits_quietly_without_a_traceback():
    import shutil

    studylib = shutil.which("studylib", path=str(Path(sys.executable).parent))
    assert studylib, "the studylib console script beside the interpreter"
    for _ in range(3):  # what the new user typed; whether the pipe closes before the last write is a race
        done = subprocess.run(["bash", "-c", f"set -o pipefail; '{studylib}' list | head -1"], capture_output=True,
                              text=True, timeout=120)
        assert done.stdout.strip() and "\n" not in done.stdout.strip()
        assert done.stderr == "", done.stderr
        assert done.returncode in (0, 141)


def test_a_reader_that_has_gone_gets_exit_141_and_nothing_on_stderr():
    import os

    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line is written: every write meets a closed pipe
    try:
        done = subprocess.run([sys.executable, "-m", "studylib", "list"], stdout=write, stderr=subprocess.PIPE,
                              text=True, timeout=120)
    finally:
        os.close(write)
    assert done.stderr == "", done.stderr  # no BrokenPipeError traceback, no "Exception ignored"
    assert done.returncode == 141


# ------------------------------------------------------------------ start-up: jsonschema's IRI grammars
def test_a_command_skips_jsonschemas_iri_grammars_and_still_validates_notebooks():
    """`studylib run` imports nbformat, and with it jsonschema, which would build rfc3987-syntax's IRI grammars
    (0.75 CPU-seconds) for string formats no notebook schema uses: the command's process skips them."""
    import importlib.util

    code = ("import sys, studylib.cli as cli\n"
            "cli.main(['list'])\n"
            "import nbformat, jsonschema\n"
            "from studylib.paths import NOTEBOOKS_DIR\n"
            "nbformat.validate(nbformat.read(NOTEBOOKS_DIR / 'pair_profile.ipynb', as_version=4))\n"
            "print('rfc3987_syntax loaded:', sys.modules.get('rfc3987_syntax') is not None)\n"
            "print('iri checked:', 'iri' in jsonschema.FormatChecker.checkers)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "rfc3987_syntax loaded: False" in done.stdout and "iri checked: False" in done.stdout
    if importlib.util.find_spec("rfc3987_syntax") is not None:  # installed (jsonschema[format-nongpl]): loaded otherwise
        plain = subprocess.run([sys.executable, "-c", "import sys, jsonschema; print('rfc3987_syntax' in sys.modules)"],
                               capture_output=True, text=True, timeout=120)
        assert plain.stdout.strip() == "True"
