"""Archived sources: locators checked against the text, and sources archived from PDF, HTML or text."""

from __future__ import annotations

import csv
import hashlib
import subprocess
import sys

import pytest

from bundles import base_rows, write_bundle
from studylib import load_bundle, validate_bundle
from studylib.errors import ValidationError

TEXT = "Chapter 1\n\nThe two cities signed a\nletter of intent in 1997.\nTeachers visit every July.\n"


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "studylib", *args], capture_output=True, text=True, timeout=300)


def _archived(folder, locator="letter of intent in 1997", text=TEXT):
    rows = base_rows()
    rows["activities"][0]["locator"] = locator
    write_bundle(folder, rows)
    (folder / "sources").mkdir()
    (folder / "sources" / "src1.txt").write_text(text, encoding="utf-8")
    return folder


def _problems(*folders):
    return [str(p) for p in validate_bundle(*folders).problems]


def test_locator_not_in_the_text_fails_validate_with_exit_2_and_its_location(tmp_path):
    folder = _archived(tmp_path / "b", locator="letter of intent in 1998")
    done = _cli("validate", "--standalone", "--data", str(folder))
    assert done.returncode == 2, done.stdout
    assert ("activities.csv:2: column 'locator': 'letter of intent in 1998' not found in sources/src1.txt; "
            "closest passage: 'letter of intent in 1997.'") in done.stderr
    assert "Traceback" not in done.stderr


def test_a_source_not_archived_is_counted_not_an_error(tmp_path):
    folder = write_bundle(tmp_path / "b")
    assert _problems(folder) == []
    done = _cli("validate", "--standalone", "--data", str(folder))
    assert done.returncode == 0, done.stderr
    assert "0 locators found in archived source texts; 5 rows cite 1 source not archived (not checked): src1" in done.stdout


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


def test_archive_a_pdf_records_its_hash_and_its_locators_are_checked(tmp_path):
    folder = write_bundle(tmp_path / "b")
    pdf = _pdf(tmp_path / "paper.pdf")
    before = (folder / "activities.csv").read_bytes()
    done = _cli("archive-source", str(folder), "src1", str(pdf))
    assert done.returncode == 0, done.stderr
    assert PDF_TEXT in (folder / "sources" / "src1.txt").read_text(encoding="utf-8")
    with open(folder / "sources.csv", encoding="utf-8", newline="") as fh:
        row = next(csv.DictReader(fh))
    assert row["original_sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert (folder / "activities.csv").read_bytes() == before
    with pytest.raises(ValidationError, match="'p. 1' not found in sources/src1.txt"):
        load_bundle(folder)
    again = _cli("archive-source", str(folder), "src1", str(pdf))
    assert again.returncode == 2 and "--replace" in again.stderr
