"""The codebook: read with libyaml's safe parser when present, with the same result as PyYAML's own."""

from __future__ import annotations

import pytest
import yaml

from studylib.bundle.codebook import load_codebook
from studylib.paths import CODEBOOK_PATH


def test_codebook_reads_as_pyyaml_safe_load_does():
    with open(CODEBOOK_PATH, encoding="utf-8") as fh:
        assert load_codebook().spec == yaml.safe_load(fh)


def test_codebook_never_builds_python_objects(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a relative path in the payload lands here too
    pwned = tmp_path / "PWNED"
    payload = f"x: !!python/object/apply:os.system ['touch {pwned} PWNED-relative']\n"
    yaml.unsafe_load(payload)  # the control: a loader that builds Python objects does run it
    assert pwned.exists() and (tmp_path / "PWNED-relative").exists()
    pwned.unlink()
    (tmp_path / "PWNED-relative").unlink()
    hostile = tmp_path / "codebook.yaml"
    hostile.write_text(payload, encoding="utf-8")
    with pytest.raises(yaml.YAMLError, match="python/object"):
        load_codebook(hostile)
    assert not pwned.exists() and not (tmp_path / "PWNED-relative").exists()


@pytest.mark.parametrize("frame", ["axis", "dimension"])
def test_every_mapping_line_and_rationale_has_its_indonesian(frame):
    from studylib.bundle.codebook import load_codebook
    from studylib.i18n import using_language

    codebook = load_codebook()
    english = codebook.mapping_frame(frame)
    with using_language("id"):
        indonesian = codebook.mapping_frame(frame)
        rationale = codebook.mapping_rationale(frame)
    assert list(indonesian["sector"]) == list(english["sector"]) and list(indonesian[frame]) == list(english[frame])
    assert not (indonesian["why"] == english["why"]).any()  # every line translated
    assert rationale != codebook.mapping_rationale(frame) and "sektor" in rationale
