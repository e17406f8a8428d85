"""The codebook: read with libyaml's safe parser when present, with the same result as PyYAML's own."""

from __future__ import annotations

import yaml

from studylib.codebook import load_codebook
from studylib.paths import CODEBOOK_PATH


def test_codebook_reads_as_pyyaml_safe_load_does():
    with open(CODEBOOK_PATH, encoding="utf-8") as fh:
        assert load_codebook().spec == yaml.safe_load(fh)


def test_codebook_never_builds_python_objects(tmp_path):
    hostile = tmp_path / "codebook.yaml"
    hostile.write_text("x: !!python/object/apply:os.system ['touch PWNED']\n", encoding="utf-8")
    try:
        load_codebook(hostile)
    except yaml.YAMLError:
        pass
    else:  # pragma: no cover - the assertion below says what went wrong
        raise AssertionError("a python/object tag was accepted")
    assert not (tmp_path / "PWNED").exists()
