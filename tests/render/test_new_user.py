"""What a new user saw in a rendered report (issue 30): sentences that hold for their own pair."""

from __future__ import annotations

import re

from bundles import write_bundle


def test_pair_profile_of_a_pair_with_every_activity_dated_says_nothing_about_undated_ones(tmp_path):
    import json

    from studylib.runner.execute import run_notebook

    folder = write_bundle(tmp_path / "pair")
    result = run_notebook("pair_profile", {"tie": "alpha-beta", "end_year": 2016}, data_dirs=[str(folder)],
                          out=tmp_path / "out")
    assert result.ok, result.error
    nb = json.loads((result.output_dir / "pair_profile.ipynb").read_text(encoding="utf-8"))
    text = "\n".join("".join(o.get("data", {}).get("text/markdown", "")) for c in nb["cells"] if c["cell_type"] == "code"
                     for o in c.get("outputs", []))
    assert "Limitations" in "".join("".join(c["source"]) for c in nb["cells"])
    assert "year without a coded event" in text  # the Limitations list was printed
    assert "implemented activities have no date" not in text
    assert not re.search(r"\b0 of \d+ implemented activit", text)  # what the new user saw: "0 of 8 implemented ..."
    assert "Every implemented activity has a date." in text
    assert "- Every implemented activity has a date." in text  # said, not left for the reader to infer
    assert "estimate nan" not in text
