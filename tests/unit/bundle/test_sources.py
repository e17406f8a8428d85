"""Archived sources: locators checked against the text, and sources archived from PDF, HTML or text."""

from __future__ import annotations

import csv
import hashlib

import pytest

from bundles import base_rows, write_bundle
from studylib import load_bundle, validate_bundle
from studylib.bundle.archive import archive_source, extract_text
from studylib.bundle.sources import closest_passage, count_locators, find_passages, locator_found
from studylib.cli import main
from studylib.errors import StudyError, ValidationError
from studylib.paths import DATA_DIR

TEXT = "Chapter 1\n\nThe two cities signed a\nletter of intent in 1997.\nTeachers visit every July.\n"


def _archived(folder, locator="letter of intent in 1997", text=TEXT):
    rows = base_rows()
    rows["activities"][0]["locator"] = locator
    write_bundle(folder, rows)
    (folder / "sources").mkdir()
    (folder / "sources" / "src1.txt").write_text(text, encoding="utf-8")
    return folder


def _problems(*folders):
    return [str(p) for p in validate_bundle(*folders).problems]


def test_locator_across_a_line_break_passes_and_others_are_counted(tmp_path):
    folder = _archived(tmp_path / "b", locator="signed a letter of  intent")  # a line break and two spaces apart
    rows = base_rows()
    assert [p.split("; closest")[0] for p in _problems(folder)] == [f"activities.csv:{line}: column 'locator': 'p. 1' not found in sources/src1.txt"
                                 for line in (3, 4, 5)] + ["indicators.csv:2: column 'locator': 'Table 1' not found in sources/src1.txt"]
    rows["activities"][0]["locator"] = "signed a letter of  intent"
    for act in rows["activities"][1:]:
        act["locator"] = "Teachers visit\nevery July"
    rows["indicators"][0]["locator"] = "Chapter 1"
    write_bundle(folder, rows)
    assert _problems(folder) == []
    bundle = load_bundle(folder)
    assert count_locators(bundle.tables, bundle.dirs).checked == 5


def test_case_and_punctuation_are_not_ignored():
    assert locator_found(TEXT, "two  cities\tsigned")
    assert not locator_found(TEXT, "The Two Cities")
    assert not locator_found(TEXT, "letter of intent in 1997,")
    assert find_passages(TEXT, "the two cities") == [(TEXT.index("The two"), TEXT.index("The two") + 14)]
    assert find_passages(TEXT, "a letter") == [(TEXT.index("a\nletter"), TEXT.index("a\nletter") + 8)]
    assert closest_passage(TEXT, "Teachers visit every June") == "Teachers visit every July."


def test_a_later_folder_archives_a_source_of_its_own_and_is_named(tmp_path):
    base = write_bundle(tmp_path / "base")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "sources").mkdir()
    (mine / "sources" / "src1.txt").write_text("Table 1\np. 1\n", encoding="utf-8")
    assert _problems(base, mine) == []
    (mine / "sources" / "src1.txt").write_text("nothing here\n", encoding="utf-8")
    assert "activities.csv:2: column 'locator': 'p. 1' not found in mine/sources/src1.txt" in _problems(base, mine)


def test_a_source_text_that_is_not_utf8_is_a_problem(tmp_path):
    folder = _archived(tmp_path / "b", text="")
    (folder / "sources" / "src1.txt").write_bytes("caf\xe9 p. 1".encode("latin-1"))
    problems = _problems(folder)
    assert len(problems) == 1 and problems[0].startswith("sources/src1.txt: ") and "not UTF-8" in problems[0]


def test_archive_html_drops_scripts_and_keeps_the_words(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><head><script>var x = 1;</script><style>p{}</style></head><body><h1>Twin cities</h1>"
                    "<p>Surabaya and <b>Busan</b> since 1994.</p></body></html>", encoding="utf-8")
    text = extract_text(page)
    assert "var x" not in text and "Twin cities" in text
    assert locator_found(text, "Surabaya and Busan since 1994.")  # tags may break lines; the check ignores them


def test_archive_refuses_the_study_data_and_a_source_without_a_row(tmp_path):
    txt = tmp_path / "s.txt"
    txt.write_text("text\n", encoding="utf-8")
    with pytest.raises(StudyError, match="study's own data"):
        archive_source(DATA_DIR, "gangnam-glocal", txt)
    folder = write_bundle(tmp_path / "b")
    with pytest.raises(StudyError, match="no row for source 'other'"):
        archive_source(folder, "other", txt)
    assert not (folder / "sources").exists()
    with pytest.raises(StudyError, match="not a valid source id"):
        archive_source(folder, "../src1", txt)


def test_locator_not_in_the_text_fails_validate_with_exit_2_and_its_location(tmp_path, capsys):
    folder = _archived(tmp_path / "b", locator="letter of intent in 1998")
    assert main(["validate", "--standalone", "--data", str(folder)]) == 2
    err = capsys.readouterr().err
    assert ("activities.csv:2: column 'locator': 'letter of intent in 1998' not found in sources/src1.txt; "
            "closest passage: 'letter of intent in 1997.'") in err
    assert "Traceback" not in err


def test_a_source_not_archived_is_counted_not_an_error(tmp_path, capsys):
    folder = write_bundle(tmp_path / "b")
    assert _problems(folder) == []
    assert main(["validate", "--standalone", "--data", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "0 locators found in archived source texts; 5 rows cite 1 source not archived (not checked): src1" in out


PDF_TEXT = "Jalan Medan inaugurated 2009"


def _pdf(path):
    """A one-page PDF whose page says PDF_TEXT (written by hand: tests make no network or tool calls)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({PDF_TEXT}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def test_archive_a_pdf_records_its_hash_and_its_locators_are_checked(tmp_path, capsys):
    folder = write_bundle(tmp_path / "b")
    pdf = _pdf(tmp_path / "paper.pdf")
    before = (folder / "activities.csv").read_bytes()
    assert main(["archive-source", str(folder), "src1", str(pdf)]) == 0
    assert PDF_TEXT in (folder / "sources" / "src1.txt").read_text(encoding="utf-8")
    with open(folder / "sources.csv", encoding="utf-8", newline="") as fh:
        row = next(csv.DictReader(fh))
    assert row["original_sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert (folder / "activities.csv").read_bytes() == before
    with pytest.raises(ValidationError, match="'p. 1' not found in sources/src1.txt"):
        load_bundle(folder)
    capsys.readouterr()
    assert main(["archive-source", str(folder), "src1", str(pdf)]) == 2
    assert "--replace" in capsys.readouterr().err
