"""Write the malformed-bundle corpus: one tiny folder per case, and cases.yaml with what each must report.

Run it again after changing tests/bundles.py:  python tests/corpus/build_corpus.py
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))
from bundles import base_rows, write_bundle  # noqa: E402

CASES: dict[str, dict] = {}


def case(name, file, line, column, fragment):
    def register(fn):
        CASES[name] = {"fn": fn, "expect": {"file": file, "line": line, "column": column, "fragment": fragment}}
        return fn
    return register


def _set(table, index, **values):
    def fn(folder):
        rows = base_rows()
        rows[table][index].update(values)
        write_bundle(folder, rows)
    return fn


def _text(table, transform):
    def fn(folder):
        write_bundle(folder)
        path = folder / f"{table}.csv"
        path.write_bytes(transform(path.read_bytes()))
    return fn


case("missing_table", "ties.csv", 0, "", "missing")(lambda f: (write_bundle(f), (f / "ties.csv").unlink()))
case("empty_file", "cities.csv", 1, "", "empty")(_text("cities", lambda b: b""))
case("header_only", "activities.csv", 1, "", "no rows")(_text("activities", lambda b: b.split(b"\n")[0] + b"\n"))
case("missing_column", "activities.csv", 1, "certainty", "required column is missing")(
    _text("activities", lambda b: b"\n".join(l.rsplit(b",", 1)[0] for l in b.split(b"\n") if l) + b"\n"))
case("semicolon_delimited", "sources.csv", 1, "", "semicolon")(_text("sources", lambda b: b.replace(b",", b";")))
case("latin1_encoding", "cities.csv", 3, "", "not UTF-8")(
    _text("cities", lambda b: b.decode().replace("베타", "Bét").encode("cp1252")))
case("embedded_newline_then_error", "activities.csv", 5, "sector", "did you mean 'culture'")(
    lambda f: write_bundle(f, {**base_rows(), "activities": [
        {**r, "title": "Sister-city\nagreement"} if r["activity_id"] == "a1" else
        ({**r, "sector": "cultur"} if r["activity_id"] == "a3" else r) for r in base_rows()["activities"]]}))
case("ragged_row", "activities.csv", 3, "", "fields but the header has")(
    _text("activities", lambda b: b.replace(b"\na2,", b"\na2,extra,", 1)))
case("duplicate_ids", "activities.csv", 5, "activity_id", "duplicate id 'a1'")(_set("activities", 3, activity_id="a1"))
case("duplicate_column", "sources.csv", 1, "language", "appears twice")(
    _text("sources", lambda b: b.replace(b",language\n", b",language,language\n").replace(b",en\n", b",en,en\n")))
case("dangling_tie", "activities.csv", 2, "tie_id", "is not a tie_id in ties.csv")(_set("activities", 0, tie_id="alpha-gamma"))
case("dangling_city", "ties.csv", 2, "city_b", "is not a city_id in cities.csv")(
    _set("ties", 0, city_b="gamma", tie_id="alpha-gamma"))
case("dangling_source", "indicators.csv", 2, "source_id", "is not a source_id in sources.csv")(
    _set("indicators", 0, source_id="nowhere"))
case("misspelt_vocabulary", "activities.csv", 3, "sector", "did you mean 'education'")(_set("activities", 1, sector="educaton"))
case("month_13", "activities.csv", 4, "start", "no month 13")(_set("activities", 2, start="2019-13-01", end=""))
case("day_month_year", "activities.csv", 4, "start", "is not a date")(_set("activities", 2, start="19/07/2019", end=""))
case("impossible_day", "activities.csv", 4, "start", "not a calendar date")(_set("activities", 2, start="2019-02-30", end=""))
case("end_before_start", "activities.csv", 4, "end", "before start")(_set("activities", 2, end="2013-05-01"))
case("until_before_start", "activities.csv", 3, "until", "before the start year")(_set("activities", 1, until="2011"))
case("negative_participants", "activities.csv", 3, "participants", "negative")(_set("activities", 1, participants="-5"))
case("fractional_participants", "activities.csv", 3, "participants", "fractional")(_set("activities", 1, participants="2.5"))
case("far_future_year", "activities.csv", 5, "start", "outside")(_set("activities", 3, start="2999"))
case("self_tie", "ties.csv", 2, "city_b", "to itself")(_set("ties", 0, city_b="alpha", tie_id="alpha-alpha"))
case("tie_id_disagrees", "ties.csv", 2, "tie_id", "should be 'alpha-beta'")(_set("ties", 0, tie_id="beta-alpha"))
case("decimal_comma", "indicators.csv", 2, "value", "decimal comma")(_set("indicators", 0, value="0,92"))
case("bad_country_code", "cities.csv", 2, "country", "alpha-2")(_set("cities", 0, country="IDN"))
case("bad_year", "indicators.csv", 2, "year", "is not a year")(_set("indicators", 0, year="20x0"))
# Uncertain dates (EDTF): valid forms pass (tests/test_dates.py), malformed ones are refused where they stand
case("edtf_reversed_interval", "activities.csv", 4, "start", "end is before its start")(
    _set("activities", 2, start="2015/2013", end=""))
case("edtf_no_known_side", "activities.csv", 4, "start", "no known side")(_set("activities", 2, start="../..", end=""))
case("edtf_month_14_in_interval", "activities.csv", 4, "start", "no month 14")(
    _set("activities", 2, start="2013-14/2015", end=""))
case("edtf_home_made_range", "activities.csv", 4, "start", "is not a date")(
    _set("activities", 2, start="2007-2023", end=""))
case("edtf_approximate_far_future", "activities.csv", 5, "start", "outside")(_set("activities", 3, start="2999~"))
case("edtf_double_qualifier", "ties.csv", 2, "signed", "is not a date")(_set("ties", 0, signed="1994~?"))
case("end_before_uncertain_start", "activities.csv", 4, "end", "before the earliest start")(
    _set("activities", 2, start="2014/2016"))
case("until_before_uncertain_start", "activities.csv", 3, "until", "before the earliest start year")(
    _set("activities", 1, start="2013/..", until="2012"))
case("misspelt_actor_type", "activities.csv", 2, "actor_type", "did you mean 'government'")(
    _set("activities", 0, actor_type="goverment"))
case("country_entity_not_a_code", "indicators.csv", 2, "entity_id", "alpha-2 country code")(
    _set("indicators", 0, entity_id="Korea", entity_type="country"))


def _with_finding(**values):
    def fn(folder):
        rows = base_rows()
        rows["findings"] = [{"finding_id": "f1", "entity_id": "alpha-beta", "entity_type": "tie", "kind": "challenge",
                             "theme": "language_difference", "statement": "Languages differ.", "source_id": "src1",
                             "locator": "p. 2", **values}]
        write_bundle(folder, rows)
    return fn


case("finding_kind_misspelt", "findings.csv", 2, "kind", "did you mean 'challenge'")(_with_finding(kind="chalenge"))
case("finding_dangling_tie", "findings.csv", 2, "entity_id", "is not a tie_id in ties.csv")(
    _with_finding(entity_id="alpha-gamma"))
case("csv_and_xlsx_both", "activities.csv", 1, "", "keep one")(
    lambda f: (write_bundle(f), shutil.copy(f / "activities.csv", f / "activities.xlsx")))


def _merged_header(folder):
    import openpyxl

    write_bundle(folder)
    src = folder / "activities.csv"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "activities"
    for line in src.read_text().splitlines():
        ws.append(line.split(","))
    ws.insert_rows(1)
    ws["A1"] = "Activities coded from the sources"
    ws.merge_cells("A1:E1")
    wb.save(folder / "activities.xlsx")
    src.unlink()


case("xlsx_merged_header", "activities.xlsx (sheet 'activities')", 1, "", "merged cells")(_merged_header)


def build() -> None:
    for old in HERE.iterdir():
        if old.is_dir():
            shutil.rmtree(old)
    expected = {}
    for name, spec in CASES.items():
        spec["fn"](HERE / name)
        expected[name] = spec["expect"]
    (HERE / "cases.yaml").write_text(
        "# What each malformed bundle must report (file, line or sheet row, column, message fragment).\n"
        "# Generated by build_corpus.py.\n" + yaml.safe_dump(expected, sort_keys=True, allow_unicode=True),
        encoding="utf-8")


if __name__ == "__main__":
    build()
    print(f"{len(CASES)} cases written to {HERE}")
