"""The malformed-bundle corpus: every case is refused with file, line and column, exit 2, nothing written."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml

from studylib import ValidationError, load_bundle
from studylib.cli import main

CORPUS = Path(__file__).resolve().parents[2] / "corpus"

CASES = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))


def _tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        h.update(str(p.relative_to(folder)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


def test_corpus_is_large_enough():
    assert len(CASES) >= 25
    assert all((CORPUS / name).is_dir() for name in CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_is_refused_with_its_location(name, capsys):
    folder, expect = CORPUS / name, CASES[name]
    before = _tree_hash(folder)
    with pytest.raises(ValidationError) as info:
        load_bundle(folder)
    hits = [p for p in info.value.problems
            if (p.file, p.line, p.column) == (expect["file"], expect["line"], expect["column"])
            and expect["fragment"] in p.message]
    assert hits, [str(p) for p in info.value.problems]
    assert main(["validate", "--standalone", "--data", str(folder)]) == 2
    err = capsys.readouterr().err
    assert str(hits[0]) in err
    assert "Traceback" not in err
    assert _tree_hash(folder) == before, "validation must not write anything"
