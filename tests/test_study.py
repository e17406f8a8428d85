"""StudyRun's reading tables: what a reader sees for each kind of date."""

from __future__ import annotations

from bundles import _act, base_rows, write_bundle

import studylib as sl


def test_activity_digest_says_when_in_words(tmp_path):
    rows = base_rows()
    rows["activities"].append(_act("a5", "Yearly youth camp", "education", "exchange_programme", "", recurrence="annual"))
    run = sl.open_study("pair_profile", tie="alpha-beta", data_dirs=[write_bundle(tmp_path / "b", rows)],
                        output_dir=str(tmp_path / "out"))
    digest = run.activity_digest(run.activities(tie_ids=["alpha-beta"])).set_index("id")
    assert digest.at["a1", "when"] == "2010"
    assert digest.at["a2", "when"] == "annual, from 2012-07 to 2014"
    assert digest.at["a3", "when"] == "2013-05-02 to 2013-05-04"
    assert digest.at["a5", "when"] == "annual, start undated"
