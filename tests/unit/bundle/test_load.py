"""Loading and validation: every rule, each with a small broken bundle and the message's location."""

from __future__ import annotations

import typing

import pandas as pd
import pytest

import studylib
from bundles import base_rows, write_bundle
from studylib import ValidationError, load_bundle


def _problems(folder):
    with pytest.raises(ValidationError) as info:
        load_bundle(folder)
    return info.value.problems


def _set(rows, table, index, **values):
    rows[table][index].update(values)
    return rows


def test_valid_bundle_loads_with_types(tmp_path):
    b = load_bundle(write_bundle(tmp_path / "b"))
    acts = b.activities
    assert list(acts["activity_id"]) == ["a1", "a2", "a3", "a4"]
    assert isinstance(acts["sector"].dtype, pd.CategoricalDtype)
    assert "disaster_relief" in acts["sector"].cat.categories
    assert acts.loc[1, "participants"] == 10
    assert list(acts["start_precision"].astype(str)) == ["year", "month", "day", "year"]
    assert list(acts["start_year"]) == [2010, 2012, 2013, 2014]
    assert list(acts["_line"]) == [2, 3, 4, 5]
    assert len(b.files) == 5 and all(len(h) == 64 for h in b.files.values())


# (table, row index, column, bad value, expected column in message, message fragment)
CASES = [
    ("activities", 1, "sector", "educaton", "sector", "did you mean 'education'"),
    ("activities", 0, "direction", "both", "direction", "is not one of"),
    ("activities", 2, "start", "2019-13-01", "start", "no month 13"),
    ("activities", 2, "start", "19/07/2019", "start", "is not a date"),
    ("activities", 2, "start", "2019-02-30", "start", "not a calendar date"),
    ("activities", 2, "end", "2013-05-01", "end", "before start"),
    ("activities", 1, "until", "2011", "until", "before the start year"),
    ("activities", 1, "participants", "-3", "participants", "negative"),
    ("activities", 1, "participants", "2.5", "participants", "fractional"),
    ("activities", 1, "participants", "ten", "participants", "not a number"),
    ("activities", 3, "start", "2999", "start", "outside"),
    ("activities", 0, "tie_id", "alpha-gamma", "tie_id", "is not a tie_id in ties.csv"),
    ("activities", 0, "source_id", "src2", "source_id", "did you mean 'src1'"),
    ("activities", 0, "actor", "gamma", "actor", "is not a city_id"),
    ("activities", 0, "locator", "", "locator", "a value is required"),
    ("ties", 0, "city_b", "alpha", "city_b", "to itself"),
    ("ties", 0, "tie_id", "beta-alpha", "tie_id", "should be 'alpha-beta'"),
    ("ties", 0, "status", "actve", "status", "did you mean 'active'"),
    ("cities", 0, "country", "IDN", "country", "alpha-2"),
    ("cities", 0, "lat", "95", "lat", "above the maximum"),
    ("cities", 1, "city_id", "Beta City", "city_id", "not a slug"),
    ("indicators", 0, "value", "0,92", "value", "decimal comma"),
    ("indicators", 0, "entity_id", "omega", "entity_id", "is not a city_id"),
    ("indicators", 0, "source_id", "nope", "source_id", "not a source_id"),
    ("sources", 0, "reliability", "peer-reviewed", "reliability", "did you mean 'peer_reviewed'"),
]


@pytest.mark.parametrize("table,index,column,value,col,fragment", CASES,
                         ids=[f"{c[0]}.{c[2]}={c[3]!r}" for c in CASES])
def test_each_rule_names_file_line_and_column(tmp_path, table, index, column, value, col, fragment):
    rows = _set(base_rows(), table, index, **{column: value})
    problems = _problems(write_bundle(tmp_path / "b", rows))
    hits = [p for p in problems if fragment in p.message]
    assert hits, [str(p) for p in problems]
    p = hits[0]
    assert p.file == f"{table}.csv"
    assert p.line == index + 2
    assert p.column == col
    assert str(p).startswith(f"{table}.csv:{index + 2}: column '{col}':")


def test_duplicate_id_points_to_first(tmp_path):
    rows = base_rows()
    rows["activities"][3]["activity_id"] = "a1"
    (p,) = _problems(write_bundle(tmp_path / "b", rows))
    assert (p.file, p.line, p.column) == ("activities.csv", 5, "activity_id")
    assert "first at activities.csv:2" in p.message


def test_all_problems_are_collected(tmp_path):
    rows = base_rows()
    rows["activities"][0]["sector"] = "x"
    rows["activities"][1]["participants"] = "-1"
    rows["ties"][0]["status"] = "y"
    problems = _problems(write_bundle(tmp_path / "b", rows))
    assert {(p.file, p.column) for p in problems} >= {
        ("activities.csv", "sector"), ("activities.csv", "participants"), ("ties.csv", "status")}


def test_missing_column_is_an_error_and_unknown_column_a_warning(tmp_path):
    rows = base_rows()
    for r in rows["activities"]:
        del r["certainty"]
        r["mood"] = "happy"
    problems = _problems(write_bundle(tmp_path / "b", rows))
    assert any(p.column == "certainty" and "missing" in p.message for p in problems)
    rows = base_rows()
    for r in rows["activities"]:
        r["mood"] = "happy"
    with pytest.warns(studylib.DataWarning, match="column 'mood': unknown column"):
        load_bundle(write_bundle(tmp_path / "c", rows))


def test_missing_and_empty_tables(tmp_path):
    folder = write_bundle(tmp_path / "b")
    (folder / "ties.csv").unlink()
    (folder / "cities.csv").write_text("")
    problems = _problems(folder)
    msgs = {p.file: p.message for p in problems}
    assert "missing" in msgs["ties.csv"]
    assert "empty" in msgs["cities.csv"]


def test_header_only_table_is_an_error(tmp_path):
    rows = base_rows()
    rows["activities"] = []
    problems = _problems(write_bundle(tmp_path / "b", rows))
    assert any(p.file == "activities.csv" and "no rows" in p.message for p in problems)


def test_encodings_bom_and_crlf_accepted(tmp_path):
    b1 = load_bundle(write_bundle(tmp_path / "bom", encoding="utf-8-sig"))
    b2 = load_bundle(write_bundle(tmp_path / "crlf", newline="\r\n"))
    assert list(b1.cities["city_id"]) == list(b2.cities["city_id"]) == ["alpha", "beta"]
    assert b2.activities["title"].iloc[0] == "Sister-city agreement"


def test_classic_mac_line_endings_are_read_with_their_line_numbers(tmp_path):
    """Excel for Mac's "CSV (Macintosh)" ends lines with a lone CR: read as any CSV, each row at its line (it once
    stopped ``studylib validate`` with a traceback)."""
    mac = load_bundle(write_bundle(tmp_path / "mac", newline="\r"))
    unix = load_bundle(write_bundle(tmp_path / "unix"))
    for table in ("cities", "ties", "activities", "sources"):
        pd.testing.assert_frame_equal(getattr(mac, table).drop(columns="_file"),
                                      getattr(unix, table).drop(columns="_file"))
    rows = base_rows()
    rows["activities"][2]["sector"] = "cultur"
    (problem,) = _problems(write_bundle(tmp_path / "bad", rows, newline="\r"))
    assert (problem.file, problem.line, problem.column) == ("activities.csv", 4, "sector")


def test_latin1_file_is_rejected_with_a_clear_message(tmp_path):
    rows = base_rows()
    rows["cities"][0]["name"] = "Alphé"
    rows["cities"][1]["name_local"] = ""
    folder = write_bundle(tmp_path / "b", rows, encoding="cp1252")
    problems = _problems(folder)
    assert any(p.file == "cities.csv" and p.line == 2 and "not UTF-8" in p.message for p in problems)


def test_semicolon_delimited_file(tmp_path):
    folder = write_bundle(tmp_path / "b")
    text = (folder / "sources.csv").read_text().replace(",", ";")
    (folder / "sources.csv").write_text(text)
    problems = _problems(folder)
    assert any(p.file == "sources.csv" and "semicolon" in p.message for p in problems)


def test_embedded_newline_keeps_line_numbers(tmp_path):
    rows = base_rows()
    rows["activities"][0]["title"] = "Sister-city\nagreement"
    rows["activities"][2]["sector"] = "cultur"
    problems = _problems(write_bundle(tmp_path / "b", rows))
    (p,) = problems
    assert p.line == 5  # header 1, a1 spans 2-3, a2 is 4, a3 starts at 5


def test_hostile_strings_survive_unchanged(tmp_path):
    rows = base_rows()
    hostile = 'He said "hi", \\ </script><script>alert(1)</script> 서울 مرحبا 🎉'
    rows["activities"][0]["title"] = hostile
    rows["cities"][0]["name"] = "Nan"
    b = load_bundle(write_bundle(tmp_path / "b", rows))
    assert b.activities["title"].iloc[0] == hostile
    assert b.cities["name"].iloc[0] == "Nan"


def test_layered_bundles_add_rows_and_collisions_are_errors(tmp_path):
    base = write_bundle(tmp_path / "base")
    extra = {
        "cities": [{"city_id": "gamma", "name": "Gamma", "name_local": "", "country": "JP", "level": "city",
                    "parent_id": "", "lat": "", "lon": ""}],
        "ties": [{"tie_id": "alpha-gamma", "city_a": "alpha", "city_b": "gamma", "tie_type": "friendship",
                  "signed": "2020-01", "status": "active", "source_id": "src1", "note": ""}],
    }
    user = write_bundle(tmp_path / "user", extra)
    b = load_bundle(base, user)
    assert b.tie_ids() == ["alpha-beta", "alpha-gamma"]
    assert b.ties.set_index("tie_id").at["alpha-gamma", "_file"] == "user/ties.csv"
    extra["cities"][0]["city_id"] = "beta"
    extra["ties"][0].update(tie_id="alpha-beta", city_b="beta")
    with pytest.raises(ValidationError) as info:
        load_bundle(base, write_bundle(tmp_path / "user2", extra))
    (p,) = [p for p in info.value.problems if p.file == "user2/cities.csv"]
    assert (p.line, p.column) == (2, "city_id")
    assert "'beta' is already in cities.csv (line 3)" in p.message and "override" in p.message


def test_identical_repeat_is_dropped_and_override_replaces(tmp_path):
    base = write_bundle(tmp_path / "base")
    beta = dict(base_rows()["cities"][1])
    user = write_bundle(tmp_path / "same", {"cities": [beta]})
    b = load_bundle(base, user)
    assert list(b.cities["city_id"]) == ["alpha", "beta"]
    renamed = {**beta, "name": "Beta City", "override": "yes"}
    b = load_bundle(base, write_bundle(tmp_path / "over", {"cities": [renamed]}))
    row = b.cities.set_index("city_id").loc["beta"]
    assert row["name"] == "Beta City" and row["_file"] == "over/cities.csv"
    assert len(b.cities) == 2


def test_missing_folder_is_a_study_error(tmp_path):
    with pytest.raises(studylib.StudyError, match="no such data folder"):
        load_bundle(tmp_path / "nope")


def test_a_validated_bundle_is_handed_over_only_while_its_files_are_unchanged(tmp_path):
    from studylib.bundle.handover import HANDOVER_DIR, hand_over, handed_over

    base = write_bundle(tmp_path / "b")
    layer = tmp_path / "mine"
    layer.mkdir()
    (layer / "indicators.csv").write_text((base / "indicators.csv").read_text(encoding="utf-8").splitlines()[0] + "\n",
                                          encoding="utf-8")  # a layer must hold a table (an empty folder is an error)
    bundle = load_bundle(base, layer)
    run = tmp_path / "run"
    run.mkdir()
    assert handed_over(run, base, layer) is None  # nothing handed over yet
    assert hand_over(bundle, run) == run / HANDOVER_DIR
    got = handed_over(run, base, layer)
    assert got is not None and got.files == bundle.files and got.dirs == bundle.dirs
    for name, table in bundle.tables.items():
        pd.testing.assert_frame_equal(got.tables[name], table)  # values and types, categories included
    assert handed_over(run, base) is None  # other folders: validate afresh
    (layer / "cities.csv").write_text((base / "cities.csv").read_text(encoding="utf-8"), encoding="utf-8")
    assert handed_over(run, base, layer) is None  # a table added to a layer
    (layer / "cities.csv").unlink()
    assert handed_over(run, base, layer) is not None
    acts = base / "activities.csv"
    original = acts.read_bytes()
    acts.write_bytes(original.replace(b"2010", b"2011", 1))
    assert handed_over(run, base, layer) is None  # an edited table
    acts.write_bytes(original)
    assert handed_over(run, base, layer) is not None
    (run / HANDOVER_DIR / "validated.json").write_text("{not json", encoding="utf-8")
    assert handed_over(run, base, layer) is None  # a damaged record: validate afresh


def test_open_study_takes_over_the_runners_bundle_and_checks_it(tmp_path, monkeypatch):
    import studylib.report.study
    from studylib.bundle.handover import hand_over

    folder = write_bundle(tmp_path / "b")
    out = tmp_path / "run"
    out.mkdir()
    hand_over(load_bundle(studylib.DATA_DIR, folder), out)

    def validate_again(*dirs, **kw):
        raise AssertionError("validated again")

    monkeypatch.setattr(studylib.report.study, "load_bundle", validate_again)
    run = studylib.open_study("pair_profile", tie="alpha-beta", data_dirs=[folder], output_dir=str(out))
    assert "alpha-beta" in run.bundle.tie_ids()
    (folder / "ties.csv").write_bytes((folder / "ties.csv").read_bytes() + b"\n")
    with pytest.raises(AssertionError, match="validated again"):
        studylib.open_study("pair_profile", tie="alpha-beta", data_dirs=[folder], output_dir=str(out))


def test_validate_bundle_returns_a_named_result_and_raises_nothing(tmp_path):
    from studylib import ValidationResult, validate_bundle

    rows = base_rows()
    rows["activities"][1]["sector"] = "educaton"
    for r in rows["activities"]:
        r["mood"] = "happy"
    found = validate_bundle(write_bundle(tmp_path / "b", rows))
    assert isinstance(found, ValidationResult)
    assert [(p.file, p.line, p.column) for p in found.problems] == [("activities.csv", 3, "sector")]
    assert found.warnings == ["activities.csv:1: column 'mood': unknown column, ignored"]
    assert sorted(found.tables) == sorted(studylib.bundle.codebook.TABLES)
    assert found.tables["activities"]["sector"].tolist()[1] == "educaton"  # text as read, not typed
    assert len(found.files) == 5 and all(len(h) == 64 for h in found.files.values())


def test_every_table_is_a_declared_property_of_a_bundle(tmp_path):
    b = load_bundle(write_bundle(tmp_path / "b"))
    for table in studylib.bundle.codebook.TABLES:
        assert table in vars(studylib.Bundle), table  # declared: typed, and an editor completes it
        assert typing.get_type_hints(type(vars(studylib.Bundle)[table]).__get__)["return"] is pd.DataFrame
        assert getattr(b, table) is b.tables[table]
    assert "__getattr__" not in vars(studylib.Bundle)
    with pytest.raises(AttributeError):
        b.activites  # noqa: B018 - a misspelt table is an error, not a table
