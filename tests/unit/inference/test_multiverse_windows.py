"""The earlier observation window (#25): not built when it would hold fewer than MIN_WINDOW_YEARS years of the tie,
recorded with its reason (in the report language), and robustness judged over the specifications that exist."""

from __future__ import annotations

import studylib as sl
from bundles import _act, expansion_only_activities, two_tie_rows, write_bundle
from bundles import tie_bundle as _bundle

from studylib.i18n import using_language
from studylib.inference.multiverse import MIN_WINDOW_YEARS, WINDOW_OFFSET, multiverse, robustness




def _late_tie(folder, end_year=2023):
    """A tie signed end_year - 2, every activity after its signing: the earlier window would hold no year."""
    signed = end_year - 2
    return _bundle(folder, [
        _act("a1", "Agreement", "general", "agreement", str(signed), direction="mutual"),
        _act("a2", "Festival", "culture", "festival", str(signed + 1)),
        _act("a3", "Visit", "culture", "delegation", str(end_year), direction="b_to_a")], signed=str(signed))


def test_a_tie_signed_two_years_before_the_end_has_no_earlier_window_and_says_why(tmp_path):
    mv = multiverse("alpha-beta", bundle=_late_tie(tmp_path / "b"), end_year=2023, draws=3)
    assert set(mv.specs["window"]) == {"to 2023"}
    assert len(mv) == 2  # expansion off/on; no undated activity: no placements either
    built = mv.not_built
    assert list(built["factor"]) == ["window", "undated"]
    window = built.iloc[0]
    assert window["level"] == f"to {2023 - WINDOW_OFFSET}"
    assert "2021" in window["reason"] and f"{MIN_WINDOW_YEARS}" in window["reason"]
    sentence = mv.not_built_sentence()
    assert "observation window to 2018 was not built" in sentence
    with using_language("id"):
        indonesian = mv.not_built_sentence()
    assert "jendela pengamatan" in indonesian and "2018" in indonesian and "not built" not in indonesian
    robust = robustness(mv.table())
    assert (robust["n_specifications"] == 2).all()
    assert not robust["reason"].str.contains("not estimated").any()
    assert "observation window" not in set(robust["depends_on"])


def test_a_start_year_after_the_earlier_window_removes_it_too(tmp_path):
    b = _bundle(tmp_path / "b", expansion_only_activities())
    mv = multiverse("alpha-beta", bundle=b, end_year=2023, start_year=2019, draws=3)
    assert set(mv.specs["window"]) == {"to 2023"}
    assert "2019" in mv.not_built.iloc[0]["reason"]


def test_a_normal_tie_keeps_every_specification_and_records_nothing(tmp_path):
    b = _bundle(tmp_path / "b", expansion_only_activities())
    mv = multiverse("alpha-beta", bundle=b, end_year=2023, draws=7)
    assert len(mv) == 2 * 2 * (1 + 7)  # as before: expansion × window × (left out + 7 placements)
    assert set(mv.specs["window"]) == {"to 2023", "to 2018"}
    assert mv.not_built.empty and mv.not_built_sentence() == ""


def test_an_earlier_window_with_no_year_says_none_rather_than_zero(tmp_path):
    b = _bundle(tmp_path / "b", expansion_only_activities())
    mv = multiverse("alpha-beta", bundle=b, end_year=2023, start_year=2020, draws=3)
    assert mv.not_built.iloc[0]["reason"] == ("the window opens at start_year, 2020, so a window ending in 2018 would "
                                             "hold none of its years, fewer than the 2 a trend over the window needs")
    with using_language("id"):
        assert "tidak akan memuat satu pun tahunnya" in mv.not_built_sentence()


def test_the_interaction_test_of_two_ties_uses_only_the_windows_both_have(tmp_path):
    from studylib.inference.multiverse import interaction_lr

    rows = two_tie_rows(gamma_signed="2021")
    rows["activities"] = [
        *expansion_only_activities(),
        _act("g1", "Festival", "culture", "festival", "2021", tie="alpha-gamma"),
        _act("g2", "Students", "education", "exchange_programme", "2022", tie="alpha-gamma"),
    ]
    for a in rows["activities"]:
        a["stage"] = "implemented"
    b = sl.load_bundle(write_bundle(tmp_path / "b", rows))
    early = multiverse("alpha-beta", bundle=b, end_year=2023, draws=2)
    late = multiverse("alpha-gamma", bundle=b, end_year=2023, draws=2)
    assert set(early.specs["window"]) == {"to 2023", "to 2018"} and set(late.specs["window"]) == {"to 2023"}
    lr = interaction_lr([early, late])  # before: "no specification for ... 'to 2018'"
    assert set(lr["window"]) == {"to 2023"} and len(lr) == 2 * (1 + 2)
