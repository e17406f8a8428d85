"""The coding workbench's logic, without a browser: search, live checks, validated atomic saves, edits."""

from __future__ import annotations

import hashlib
import re

import pytest

import studylib as sl
from studylib.errors import StudyError, ValidationError
from studylib.lab.coding import empty_form, filled_form, form_row
from studylib.lab.csv_rows import with_row
from studylib.lab.passages import marked_text, passage_in_context, search_passages
from studylib.lab.workbench import CodingSession, CodingWorkbench
from studylib.paths import DATA_DIR

SOURCE = "rakhmadi-surabaya-medan"
TALENT_SENTENCE = ("Kegiatan Talent Talk merupakan sarana sosialisasi program Talent Hub kepada generasi muda untuk "
                   "meningkatkan keterampilan di bidang teknologi digital dan kreatif.")


def _row(**values):
    row = {"activity_id": "mgx-001", "tie_id": "medan-gwangju", "actor": "medan",
           "title": "Talent Hub programme presented to young people", "sector": "education",
           "activity_type": "training", "start": "2022", "recurrence": "once", "direction": "none",
           "source_id": SOURCE, "locator": "program Talent Hub kepada generasi muda", "certainty": "reported"}
    return {**row, **values}


def _data_hashes():
    """The study's data files by path (data/local/ holds users' own pairs, which other tests write while this runs)."""
    return {p.relative_to(DATA_DIR).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(DATA_DIR.rglob("*")) if p.is_file() and "local" not in p.relative_to(DATA_DIR).parts}


@pytest.fixture
def session(tmp_path):
    return CodingSession(tmp_path / "coder-a")


def test_the_study_data_is_never_a_target(tmp_path):
    for folder in (DATA_DIR, DATA_DIR / "sources"):
        with pytest.raises(StudyError, match="never writes"):
            CodingSession(folder)
    assert CodingSession(DATA_DIR / "local" / "x").save_to == (DATA_DIR / "local" / "x").resolve()


def test_sources_search_and_coded_passages(session):
    assert {"gangnam-glocal", SOURCE} <= set(session.sources())
    passages = session.search(SOURCE, "talent   hub")  # case and spacing aside
    assert [p.locator for p in passages] == ["Talent Hub"]
    across = session.search(SOURCE, "pengemasan produk perikanan guna")  # across a blank line
    assert len(across) == 1 and across[0].locator == "pengemasan produk perikanan guna"
    coded = session.coded(SOURCE)
    text = session.text(SOURCE)
    assert any(text[s:e] == "pelatihan bisnis perikanan" and "mg-011" in ids for s, e, ids in coded)


def test_fields_and_choices_come_from_the_codebook(session):
    cb = sl.load_codebook()
    assert list(session.fields()) == [c for c in cb.all_columns("activities") if c != "override"]
    assert session.choices("sector") == cb.vocabulary("sector")
    assert session.choices("stage") == cb.vocabulary("stage")
    assert "medan-gwangju" in session.choices("tie_id") and "medan" in session.choices("actor")
    assert session.choices("title") is None


def test_live_checks_use_the_validator(session):
    assert session.check_value("start", "2012-07") is None
    assert "no month 13" in session.check_value("start", "2012-13")
    assert "is not a date" in session.check_value("start", "July 2012")
    assert "not a year" in session.check_value("until", "20155")
    assert "not a number of people" in session.check_value("participants", "many")
    assert session.check_locator(SOURCE, "program Talent\nHub") is None
    assert "not found in sources/rakhmadi-surabaya-medan.txt; closest passage: 'program Talent Hub'" in \
        session.check_locator(SOURCE, "program Talent Hob")


def test_a_field_is_checked_live_by_its_kind(session):
    assert session.check_field(SOURCE, "start", "  ") is None  # empty: the save says whether it is required
    assert "no month 13" in session.check_field(SOURCE, "start", "2012-13")
    assert session.check_field(SOURCE, "title", "2012-13") is None  # free text waits for the save
    assert "closest passage: 'program Talent Hub'" in session.check_field(SOURCE, "locator", "program Talent Hob")
    assert session.check_field(SOURCE, "locator", "program Talent\nHub") is None


def test_a_passage_is_shown_in_its_paragraph_and_marked_in_the_text():
    text = "Far before.\n\nJust before the Talent\nHub, just after.\n\nFar after."
    [passage] = search_passages(text, "talent hub")
    assert passage.locator == "Talent Hub" and "[Talent Hub]" in passage.label()
    shown = passage_in_context(text, passage)
    assert "Just before the <mark" in shown and ">Talent\nHub</mark>, just after.…" in shown
    assert "Far" not in shown
    marked = marked_text(text, coded=[(0, 3, "x-001")], matches=[passage], locator="Talent Hub")
    assert '<mark class="studylib-coded" style="background: #dbeafe" title="coded: x-001">Far</mark>' in marked
    assert 'class="studylib-match studylib-locator"' in marked and 'title="search match; the locator"' in marked
    assert "studylib-locator" not in marked_text(text, locator="talent hub")  # a locator is verbatim, case too


def test_the_form_becomes_a_row_and_a_row_fills_the_form():
    assert form_row({"title": "T", "participants": 12, "sector": None}, SOURCE) == \
        {"title": "T", "participants": "12", "sector": "", "source_id": SOURCE}
    options = {"title": None, "sector": ["", "education", "economy"]}
    assert empty_form(options) == {"title": "", "sector": ""}
    assert filled_form({"title": "T", "sector": "economy"}, options) == ({"title": "T", "sector": "economy"}, [])
    assert filled_form({"title": "T", "sector": "educaton"}, options) == ({"title": "T", "sector": ""},
                                                                          ["sector 'educaton'"])
    assert filled_form({}, options) == ({"title": "", "sector": ""}, [])


def test_a_csv_record_is_added_keeping_the_byte_order_mark_and_replaced_only_when_there(tmp_path):
    old = "\ufeffid,name\n1,one\n".encode("utf-8")
    data, line = with_row(old, {"id": "2", "name": "two"}, header=["unused"], key="id")
    assert (data, line) == ("\ufeffid,name\n1,one\n2,two\n".encode("utf-8"), 3)
    data, line = with_row(old, {"id": "1", "name": "uno"}, header=[], key="id", replace="1")
    assert (data, line) == ("\ufeffid,name\n1,uno\n".encode("utf-8"), 2)
    assert with_row(b"", {"name": "x"}, header=["id", "name"], key="id") == (b"id,name\n,x\n", 2)
    with pytest.raises(StudyError, match="no row '9' in rows.csv to replace"):
        with_row(old, {"id": "9"}, header=[], key="id", replace="9", file="rows.csv")


def test_save_appends_a_valid_row_that_validates(session, tmp_path):
    before = _data_hashes()
    assert session.save(_row()) == 2
    assert session.save(_row(activity_id="mgx-002", locator="Talent Talk 2022", start="2022")) == 3
    assert [r["activity_id"] for r in session.own_rows()] == ["mgx-001", "mgx-002"]
    bundle = sl.load_bundle(DATA_DIR, session.save_to)
    assert {"mgx-001", "mgx-002"} <= set(bundle.activities["activity_id"])
    assert _data_hashes() == before, "the study's data is never written"
    assert not [p for p in session.save_to.iterdir() if p.name.startswith(".")], "no temporary file is left"


def test_a_bad_row_writes_nothing(session):
    session.save(_row())
    before = session.file.read_bytes()
    cases = [({"activity_id": "mgx-002", "start": "2012-13"}, "column 'start': '2012-13' has no month 13"),
             ({"activity_id": "mgx-001"}, "duplicate id 'mgx-001'"),
             ({"activity_id": "mg-001"}, "'mg-001' is already in activities.csv"),
             ({"activity_id": "mgx-002", "locator": "Talent Hob"}, "column 'locator': 'Talent Hob' not found"),
             ({"activity_id": "mgx-002", "sector": "educaton"}, "did you mean 'education'"),
             ({"activity_id": "mgx-002", "sector": ""}, "column 'sector': a value is required"),
             ({"activity_id": "mgx-002", "tie_id": "medan-nowhere"}, "is not a tie_id in ties.csv")]
    for values, fragment in cases:
        with pytest.raises(ValidationError) as exc:
            session.save(_row(**values))
        assert any(fragment in str(p) and p.file == "coder-a/activities.csv" and p.line == 3
                   for p in exc.value.problems), (fragment, exc.value.problems)
        assert session.file.read_bytes() == before


def test_append_keeps_the_existing_bytes_and_edit_replaces_one_row(tmp_path):
    folder = tmp_path / "pair"
    folder.mkdir()
    header = "activity_id,tie_id,actor,title,sector,activity_type,start,end,recurrence,until,direction," \
             "participants,participant_group,institution,source_id,locator,certainty,note\r\n"
    first = 'mgx-001,medan-gwangju,medan,"A title, with a comma",education,training,2022,,once,,none,,,,' \
            f'{SOURCE},Talent Talk 2022,reported,"two\r\nlines"'  # no final line break, CRLF, a quoted newline
    (folder / "activities.csv").write_bytes((header + first).encode("utf-8"))
    session = CodingSession(folder)
    assert session.save(_row(activity_id="mgx-002")) == 4
    data = (folder / "activities.csv").read_bytes()
    assert data.startswith((header + first + "\r\n").encode("utf-8")) and data.endswith(b"reported,\r\n")
    edited = session.row("mgx-001")
    assert edited["note"] == "two\r\nlines" or edited["note"] == "two\nlines"
    edited.update(title="Talent Talk 2022", stage="implemented")  # a column the file lacks: added for every row
    assert session.save(edited, replace="mgx-001") == 2
    rows = {r["activity_id"]: r for r in session.own_rows()}
    assert rows["mgx-001"]["title"] == "Talent Talk 2022" and rows["mgx-001"]["stage"] == "implemented"
    assert rows["mgx-002"]["stage"] == "" and len(rows) == 2
    sl.load_bundle(DATA_DIR, folder)


def test_a_second_coder_reads_the_pair_and_writes_their_own_folder(tmp_path):
    pair = tmp_path / "pair"
    CodingSession(pair).save(_row())
    coder_b = CodingSession(tmp_path / "coder-b", data_dirs=[pair])
    assert coder_b.layers == [DATA_DIR, pair.resolve()]
    with pytest.raises(ValidationError, match="'mgx-001' is already in pair/activities.csv"):
        coder_b.save(_row(title="Another reading"))  # the same row repeated would be dropped as a repeat
    coder_b.save(_row(activity_id="mgx-b01", sector="economy"))
    assert [r["activity_id"] for r in coder_b.own_rows()] == ["mgx-b01"]
    assert [r["activity_id"] for r in CodingSession(pair).own_rows()] == ["mgx-001"]


def test_the_widget_fills_the_locator_from_a_match_and_refuses_a_bad_date(tmp_path):
    bench = CodingWorkbench(CodingSession(tmp_path / "w"), source=SOURCE)
    assert set(bench.session.fields()) - {"source_id"} == set(bench.fields)
    bench.query.value = "talent hub"
    assert len(bench.matches.options) == 1 and bench.fields["locator"].value == ""
    assert "studylib-match" in bench.text.value and 'class="studylib-coded"' in bench.text.value
    bench.matches.value = 0  # the locator is the passage picked, the sentence around the match (D19)
    assert bench.fields["locator"].value == TALENT_SENTENCE
    assert bench.session.check_locator(SOURCE, bench.fields["locator"].value) is None
    bench.extent.value = "match"  # or the match alone, when the coder asks for it
    bench.matches.value = None
    bench.matches.value = 0
    assert bench.fields["locator"].value == "Talent Hub"
    assert ">Talent Hub</mark> kepada generasi muda" in bench.context.value
    for col, value in _row(activity_id="mgx-009", start="2022-13").items():
        if col in bench.fields and col != "locator":
            bench.fields[col].value = value
    assert "no month 13" in bench.checks["start"].value
    assert not bench.save() and "nothing was written" in bench.status.value
    assert not bench.session.file.exists()
    bench.fields["start"].value = "2022"
    assert bench.save(), bench.status.value
    assert [r["locator"] for r in bench.session.own_rows()] == ["Talent Hub"]
    assert 'class="studylib-coded studylib-match studylib-locator"' in bench.text.value  # coded, found, the locator
    assert 'title="coded: mgx-009; search match; the locator">Talent Hub<' in bench.text.value
    bench.new_row()
    assert bench.fields["sector"].value == "" and bench.editing is None
    bench.open("mgx-009")  # an existing row: opened, edited, saved in place
    assert bench.fields["title"].value == "Talent Hub programme presented to young people"
    bench.fields["title"].value = "Talent Hub presented"
    assert bench.save(), bench.status.value
    assert [(r["activity_id"], r["title"]) for r in bench.session.own_rows()] == [("mgx-009", "Talent Hub presented")]


# ------------------------------------------------------------------------------------------ two coders, blind
from studylib.cli import main  # noqa: E402
from studylib.lab.passages import sentence_span  # noqa: E402

PAIR_TEXT = ("<html><body><p>Bandung and Suwon signed a sister-city agreement in 1997. The mayors met again in "
             "2005.</p><p>In 2010 Suwon sent a dance troupe of 20 artists to the Bandung festival. The troupe "
             "stayed a week!</p><p>Students from Bandung visited Suwon every summer since 2012.</p></body></html>")


def test_a_locator_is_the_sentence_around_the_match_cut_to_whole_words():
    text = "First one. Second has the Talent Hub in it! Third?\n\nA heading\n\nLast, with no full stop"
    [p] = search_passages(text, "talent hub")
    assert p.passage == "Second has the Talent Hub in it!" and p.locator == "Talent Hub"
    [h] = search_passages(text, "heading")
    assert h.passage == "A heading"  # a paragraph of its own is a sentence
    [last] = search_passages(text, "full stop")
    assert last.passage == "Last, with no full stop"
    long = "Start " + "word " * 100 + "the needle here " + "word " * 100 + "end."
    s, e = sentence_span(long, long.index("needle"), long.index("needle") + 6, limit=60)
    assert "needle" in long[s:e] and e - s <= 60 and long[s - 1] == " " and long[e] == " "


def _pair_with_a_source(tmp_path):
    """A new pair made with `studylib new-pair`, its source's text archived: the shared bundle of two coders."""
    pair = tmp_path / "bandung-suwon"
    assert main(["new-pair", "bandung", "suwon", "--into", str(pair)]) == 0
    with open(pair / "sources.csv", "a", encoding="utf-8") as fh:
        fh.write("test-src,Test citation,news,news,,en" + "," * (len(
            (pair / "sources.csv").read_text(encoding="utf-8").splitlines()[0].split(",")) - 6) + "\n")
    ties = (pair / "ties.csv").read_text(encoding="utf-8").splitlines()
    header = ties[0].split(",")
    values = dict(zip(header, ties[1].split(","))) | {"tie_type": "sister", "signed": "1997", "status": "active",
                                                      "source_id": "test-src", "locator": "Bandung and Suwon signed"}
    (pair / "ties.csv").write_text(ties[0] + "\n" + ",".join(values[h] for h in header) + "\n", encoding="utf-8")
    original = tmp_path / "test-src.html"
    original.write_text(PAIR_TEXT, encoding="utf-8")
    assert main(["archive-source", str(pair), "test-src", str(original)]) == 0
    return pair


def _pair_row(**values):
    row = {"activity_id": "bsw-001", "tie_id": "bandung-suwon", "actor": "suwon", "title": "Dance troupe at the festival",
           "sector": "culture", "activity_type": "festival", "start": "2010", "recurrence": "once",
           "direction": "b_to_a", "participants": "20", "source_id": "test-src",
           "locator": "Suwon sent a dance troupe of 20 artists", "certainty": "reported"}
    return {**row, **values}


def test_two_blind_coders_code_the_same_unit_and_see_nothing_of_each_other(tmp_path, capsys):
    pair = _pair_with_a_source(tmp_path)
    a = CodingSession(tmp_path / "coders" / "a", data_dirs=[pair], blind=True)
    assert a.sources() == sorted(a.sources()) and "test-src" in a.sources()  # the source comes from the bundle
    assert "bandung-suwon" in a.choices("tie_id")
    assert a.save(_pair_row()) == 2
    assert [s for s in a.coded("test-src")] and a.next_id("bsw") == "bsw-002"

    b = CodingSession(tmp_path / "coders" / "b", data_dirs=[pair], blind=True)
    assert b.coded("test-src") == [] and b.coded(SOURCE) == []  # neither coder A's nor the study's coding
    assert list(b.tables["activities"]["activity_id"]) == [] and b.next_id("bsw") == "bsw-001"
    bench = CodingWorkbench(b, source="test-src")
    assert "studylib-coded" not in bench.text.value and "bsw-001" not in bench.text.value
    assert "Dance troupe" not in bench.widget.children[0].value and "Blind coding" in bench.widget.children[0].value
    assert bench.open_row.options == (("", ""),)
    bench.query.value = "dance troupe"
    bench.matches.value = 0
    assert bench.fields["locator"].value == "In 2010 Suwon sent a dance troupe of 20 artists to the Bandung festival."
    for col, value in _pair_row(sector="tourism", participants="").items():
        if col in bench.fields and col != "locator":
            bench.fields[col].value = value
    assert bench.save(), bench.status.value  # the same id, no override
    assert 'title="coded: bsw-001' in bench.text.value
    assert [(r["activity_id"], r["sector"]) for r in b.own_rows()] == [("bsw-001", "tourism")]
    assert [(r["activity_id"], r["sector"]) for r in a.own_rows()] == [("bsw-001", "culture")]
    again = CodingSession(tmp_path / "coders" / "a", data_dirs=[pair], blind=True)
    assert [ids for *_, ids in again.coded("test-src")] == ["bsw-001"]  # A still sees only A's row
    assert "tourism" not in str(again.tables["activities"].to_dict())

    # the two folders hold only activities.csv; layered on the pair they give the per-variable table
    assert main(["agreement", str(tmp_path / "coders" / "a"), str(tmp_path / "coders" / "b"), "--data", str(pair),
                 "--variables", "sector,direction,participants", "--interval", "participants",
                 "--resamples", "50"]) == 0
    out = capsys.readouterr().out
    assert "Agreement of 2 coders (a, b)" in out and "bsw-001" in out
    assert re.search(r"participants\s+interval\s+-\s+-\s+-\s+0\s+0\s+1\b", out), out


def test_a_blind_coder_over_a_pair_the_first_coder_wrote_into(tmp_path):
    pair = _pair_with_a_source(tmp_path)
    CodingSession(pair).save(_pair_row())  # the first coder codes into the pair's own folder (review, D6)
    b = CodingSession(tmp_path / "coder-b", data_dirs=[pair], blind=True)
    assert b.coded("test-src") == [] and "bsw-001" not in set(b.tables["activities"]["activity_id"])
    assert b.save(_pair_row(title="Another reading", sector="tourism")) == 2
    with pytest.raises(ValidationError, match="'bsw-001' is already in bandung-suwon/activities.csv"):
        CodingSession(tmp_path / "not-blind", data_dirs=[pair]).save(_pair_row(sector="tourism"))


def _units(folder, rows):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "units.csv").write_text("activity_id,tie_id,source_id,locator\n" + "".join(
        ",".join(r) + "\n" for r in rows), encoding="utf-8")
    return folder / "units.csv"


def test_the_workbench_walks_a_coder_through_units_fixed_in_advance(tmp_path):
    units = _units(tmp_path / "round", [
        ("sb-002", "surabaya-busan", SOURCE, "peresmian Jalan Surabaya di Busan"),
        ("sb-003", "surabaya-busan", SOURCE, "The 1st Surabaya Street Festival")])
    session = CodingSession(tmp_path / "round" / "coder1", blind=True, units=units)
    assert session.unit_ids() == ["sb-002", "sb-003"]
    bench = CodingWorkbench(session)
    assert bench.unit_pick.value == "sb-002" and bench.source.value == SOURCE
    assert bench.fields["activity_id"].value == "sb-002" and bench.fields["activity_id"].disabled
    assert bench.fields["locator"].value == "peresmian Jalan Surabaya di Busan" and bench.fields["locator"].disabled
    assert bench.fields["tie_id"].value == "surabaya-busan" and bench.fields["sector"].value == ""
    assert 'title="unit: sb-002' in bench.text.value and "studylib-coded" not in bench.text.value  # blind
    assert ">peresmian Jalan Surabaya di Busan</mark>" in bench.context.value
    assert "0 of 2 units coded" in bench.unit_info.value
    for col, value in {"actor": "busan", "title": "Jalan Surabaya inaugurated", "sector": "culture",
                       "activity_type": "naming", "recurrence": "once", "direction": "a_to_b",
                       "certainty": "reported"}.items():
        bench.fields[col].value = value
    assert bench.save(), bench.status.value
    assert "1 of 2 units coded" in bench.unit_info.value and "✓ coded" in bench.unit_pick.options[0][0]
    bench.step(1)
    assert bench.unit_pick.value == "sb-003" and bench.fields["activity_id"].value == "sb-003"
    assert bench.fields["title"].value == "" and bench.editing is None
    bench.step(-1)  # back to the coded unit: the coder's row, to edit
    assert bench.fields["title"].value == "Jalan Surabaya inaugurated" and bench.editing == "sb-002"
    [row] = session.own_rows()
    assert (row["activity_id"], row["locator"], row["source_id"]) == ("sb-002", "peresmian Jalan Surabaya di Busan",
                                                                      SOURCE)


def test_a_bad_units_file_names_its_line_and_column(tmp_path):
    units = _units(tmp_path / "round", [("sb-002", "surabaya-busan", SOURCE, "peresmian Jalan Surabaya di Busan"),
                                        ("sb-003", "surabaya-busan", SOURCE, "not in the seed at all"),
                                        ("sb-004", "surabaya-busan", "no-such-source", "x"),
                                        ("sb-002", "surabaya-busan", SOURCE, "x")])
    with pytest.raises(ValidationError) as exc:
        CodingSession(tmp_path / "c", blind=True, units=units)
    assert [(p.file, p.line, p.column) for p in exc.value.problems] == [("round/units.csv", 5, "activity_id")]
    units = _units(tmp_path / "round", [("sb-003", "surabaya-busan", SOURCE, "not in the seed at all"),
                                        ("sb-004", "surabaya-busan", "no-such-source", "x")])
    with pytest.raises(ValidationError) as exc:
        CodingSession(tmp_path / "c", blind=True, units=units)
    assert [(p.line, p.column) for p in exc.value.problems] == [(2, "locator"), (3, "source_id")]
    assert "not found in sources/rakhmadi-surabaya-medan.txt" in exc.value.problems[0].message
