"""``report.docx``: the report as a Word document a journal takes, built from the executed notebook.

The same content as ``report.html`` (no code): headings, text, lists, real Word tables (editable; booktabs-like
rules: above and below the table and under its header, no vertical rules; the header row repeated on each page),
figures, and captions numbered with Word ``SEQ`` fields ("Table 1", "Figure 1"; Word renumbers them when fields are
updated), the reference list, and page numbers in the footer. Built with python-docx (MIT).
"""

from __future__ import annotations

import base64
import html
import io
import re
from pathlib import Path

__all__ = ["export_docx", "DOCX_NAME"]

DOCX_NAME = "report.docx"
MAX_WIDTH_INCHES = 6.3  # A4 / Letter text width with the default margins
SCREEN_DPI = 150  # the figures' on-screen width (metadata 'width', px) -> inches


#: The language tag Word gives a document in each report language (spelling, hyphenation, its own captions' words).
WORD_LANGUAGE = {"en": "en-US", "id": "id-ID"}


def export_docx(notebook, directory: Path, *, title: str = "", lang: str = "en") -> Path:
    """Write ``directory/report.docx`` from the executed notebook (a path or an ``nbformat`` node) in the report
    language ``lang`` (the document's language, the caption words "Table"/"Figure"); return its path."""
    import nbformat
    from docx import Document
    from docx.shared import Pt

    from ..i18n import using_language

    nb = notebook if hasattr(notebook, "cells") else nbformat.read(notebook, as_version=4)
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = "Calibri", Pt(10.5)
    if lang != "en":  # an English document keeps the template's language, as before
        _document_language(doc, WORD_LANGUAGE.get(lang, lang))
    _page_numbers(doc)
    if title:
        doc.add_heading(title, level=0)
    with using_language(lang):
        writer = _Writer(doc)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                writer.markdown(cell.source)
            elif cell.cell_type == "code":
                for output in cell.get("outputs", []):
                    writer.output(output)
    path = Path(directory) / DOCX_NAME
    buffer = io.BytesIO()
    doc.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


class _Writer:
    def __init__(self, doc):
        self.doc = doc

    # ------------------------------------------------------------------------------------- outputs
    def output(self, output) -> None:
        data = output.get("data", {})
        if output.get("output_type") == "stream":
            if output.get("name") == "stdout" and output.get("text", "").strip():
                self.doc.add_paragraph(output["text"].rstrip())
            return
        if "image/png" in data:
            width = (output.get("metadata", {}).get("image/png") or {}).get("width")
            self.picture(data["image/png"], width)
        elif "text/html" in data:
            self.html(_text(data["text/html"]))
        elif "text/markdown" in data:
            self.markdown(_text(data["text/markdown"]))

    def picture(self, encoded, width_px) -> None:
        from docx.shared import Inches

        raw = base64.b64decode(_text(encoded))
        inches = min(MAX_WIDTH_INCHES, (float(width_px) / SCREEN_DPI) if width_px else MAX_WIDTH_INCHES)
        paragraph = self.doc.add_paragraph()
        paragraph.paragraph_format.keep_with_next = True  # the caption below stays with its figure
        paragraph.add_run().add_picture(io.BytesIO(raw), width=Inches(inches))

    # ---------------------------------------------------------------------------------------- HTML
    def html(self, text: str) -> None:
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(text, "html.parser")
        for style in soup.find_all(["style", "script"]):
            style.decompose()
        for element in soup.find_all(["p", "table", "ul", "ol", "h1", "h2", "h3", "h4"], recursive=True):
            if element.find_parent(["table", "ul", "ol"]) is not None:
                continue
            if element.name == "table":
                self.table(element)
            elif element.name == "p" and "studylib-caption" in (element.get("class") or []):
                self.caption(element.get_text(" ", strip=True))
            elif element.name in ("ul", "ol"):
                for item in element.find_all("li", recursive=False):
                    self.doc.add_paragraph(item.get_text(" ", strip=True),
                                           style="List Bullet" if element.name == "ul" else "List Number")
            elif element.name.startswith("h"):
                self.doc.add_heading(element.get_text(" ", strip=True), level=min(int(element.name[1]), 4))
            else:
                content = element.get_text(" ", strip=True)
                if content:
                    self.doc.add_paragraph(content)

    def caption(self, text: str) -> None:
        """A caption "Table n. ..." / "Figure n. ..." (in the report's language: "Tabel n.", "Gambar n.") with its
        number as a Word SEQ field."""
        words = _caption_words()
        match = re.match(rf"^({'|'.join(map(re.escape, words))})\s+(\d+)\.\s*(.*)$", text, flags=re.S)
        paragraph = self.doc.add_paragraph(style="Caption")
        if not match:
            paragraph.add_run(text)
            return
        kind, number, rest = match.groups()
        paragraph.paragraph_format.keep_with_next = words[kind] == "table"  # a table's caption is above it
        label = paragraph.add_run(f"{kind} ")
        label.bold = True
        _seq_field(paragraph, kind, number)
        dot = paragraph.add_run(". ")
        dot.bold = True
        paragraph.add_run(rest)

    def table(self, element) -> None:
        rows = []
        for tr in element.find_all("tr"):
            cells = tr.find_all(["th", "td"])
            if cells:
                rows.append((tr.find_parent("thead") is not None or all(c.name == "th" for c in cells),
                             [c.get_text(" ", strip=True) for c in cells]))
        if not rows:
            return
        width = max(len(cells) for _, cells in rows)
        table = self.doc.add_table(rows=len(rows), cols=width)
        _booktabs(table, header_rows=sum(1 for header, _ in rows if header) or 1)
        from docx.shared import Pt

        widths = _column_widths([cells for _, cells in rows], width)
        table.autofit = False
        for j, column in enumerate(table.columns):
            column.width = widths[j]  # the grid, which LibreOffice reads; Word reads each cell's width below
        size = Pt(8.5 if width <= 8 else 7.5)
        grid = table._cells  # all cells once, row by row: table.cell(i, j) walks the whole table on every call
        for i, (header, cells) in enumerate(rows):
            for j in range(width):
                cell = grid[i * width + j]
                cell.width = widths[j]
                cell.text = cells[j] if j < len(cells) else ""
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.space_after = Pt(0)
                    for run in paragraph.runs:
                        run.font.size = size
                        run.bold = header or None
        self.doc.add_paragraph()

    # ------------------------------------------------------------------------------------ Markdown
    def markdown(self, text: str) -> None:
        """Headings, bullet and numbered lists, block quotes and paragraphs (inline bold, italic, code)."""
        blocks = re.split(r"\n\s*\n", text.strip())
        for block in blocks:
            lines = block.splitlines()
            heading = re.match(r"^(#{1,6})\s+(.*?)\s*#*$", lines[0]) if lines else None
            if heading and len(lines) == 1:
                self.doc.add_heading(_plain(heading.group(2)), level=min(len(heading.group(1)), 4))
                continue
            if heading:
                self.doc.add_heading(_plain(heading.group(2)), level=min(len(heading.group(1)), 4))
                lines = lines[1:]
            if lines and all(re.match(r"^\s*([-*+]|\d+[.)])\s+", line) or line.startswith("  ") for line in lines):
                items: list[list[str]] = []
                for line in lines:
                    bullet = re.match(r"^\s*([-*+]|\d+[.)])\s+(.*)$", line)
                    if bullet:
                        items.append([bullet.group(1), bullet.group(2)])
                    elif items:
                        items[-1][1] += " " + line.strip()
                for marker, item in items:
                    style = "List Number" if marker[0].isdigit() else "List Bullet"
                    _inline(self.doc.add_paragraph(style=style), item)
                continue
            joined = " ".join(line.strip() for line in lines)
            if joined.startswith(">"):
                paragraph = self.doc.add_paragraph(style="Quote")
                _inline(paragraph, re.sub(r"(^|\s)>\s?", " ", joined).strip())
            elif joined:
                _inline(self.doc.add_paragraph(), joined)


def _caption_words() -> dict[str, str]:
    """The words of the numbered captions in the current language -> their kind: {"Table": "table", ...}."""
    from ..i18n import _

    words = {}
    for kind, template in (("table", _("Table {number}.")), ("figure", _("Figure {number}."))):
        words[template.split("{number}")[0].strip()] = kind
    return words


def _document_language(doc, tag: str) -> None:
    """Set the language of the document's text: ``w:lang`` in the default run properties and in Normal's."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    targets = [doc.styles["Normal"].element.get_or_add_rPr()]
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    found = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}") if defaults is not None else None
    if found is not None:
        targets.append(found)
    for properties in targets:
        language = properties.find(qn("w:lang"))
        if language is None:
            language = OxmlElement("w:lang")
            properties.insert_element_before(language, "w:eastAsianLayout", "w:specVanish", "w:oMath") \
                if hasattr(properties, "insert_element_before") else properties.append(language)
        language.set(qn("w:val"), tag)
    doc.core_properties.language = tag


def _column_widths(rows: list[list[str]], width: int, *, char_inches: float = 0.062, padding: float = 0.16) -> list:
    """Column widths: first each column's longest word (ids, numbers and words are not broken inside when the page
    allows; at most 1.4 in), then the rest of the text width shared in proportion to the running text beyond it."""
    from docx.shared import Inches

    floors, extra = [], []
    for j in range(width):
        texts = [r[j] for r in rows if j < len(r)]
        longest = max((len(w) for t in texts for w in t.split()), default=1)
        mean = sum(len(t) for t in texts) / max(len(texts), 1)
        floors.append(min(1.4, longest * char_inches + padding))  # padding: the cell margins
        extra.append(max(min(mean, 60) * char_inches - floors[-1], 0.0))
    spare = MAX_WIDTH_INCHES - sum(floors)
    if spare <= 0:
        return [Inches(MAX_WIDTH_INCHES * f / sum(floors)) for f in floors]
    total = sum(extra) or 1.0
    return [Inches(f + spare * (e / total if sum(extra) else 1 / width)) for f, e in zip(floors, extra)]


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~<&])")


def _plain(text: str) -> str:
    """Markdown inline text without its markup (escapes undone, HTML entities decoded)."""
    text = re.sub(r"(\*\*|__|`)", "", text)
    text = re.sub(r"(?<![\w\\])\*(?!\s)(.+?)(?<!\s)\*", r"\1", text)
    return html.unescape(_ESCAPED.sub(r"\1", text))


def _inline(paragraph, text: str) -> None:
    """Add Markdown inline text to ``paragraph`` as runs: **bold**, *italic*, `code`, <autolinks>, escapes undone."""
    from docx.shared import Pt

    pattern = re.compile(r"(\*\*(?:\\.|[^*])+?\*\*|`[^`]+`|(?<![\w\\])\*(?!\s)(?:\\.|[^*])+?(?<!\s)\*|<https?://[^>\s]+>)")
    for part in pattern.split(text):
        if not part:
            continue
        if part.startswith("**") and part.endswith("**") and len(part) > 4:
            run = paragraph.add_run(_plain(part[2:-2]))
            run.bold = True
        elif part.startswith("`") and part.endswith("`"):
            run = paragraph.add_run(html.unescape(part[1:-1]))
            run.font.name = "Consolas"
            run.font.size = Pt(9)
        elif part.startswith("<http") and part.endswith(">"):
            paragraph.add_run(part[1:-1])
        elif part.startswith("*") and part.endswith("*") and len(part) > 2:
            run = paragraph.add_run(_plain(part[1:-1]))
            run.italic = True
        else:
            paragraph.add_run(_plain(part))


def _seq_field(paragraph, kind: str, number: str) -> None:
    """A ``SEQ kind`` field whose shown result is ``number`` (Word recomputes it on field update)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def run_with(child):
        run = OxmlElement("w:r")
        props = OxmlElement("w:rPr")
        props.append(OxmlElement("w:b"))
        run.append(props)
        run.append(child)
        paragraph._p.append(run)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" SEQ {kind} \\* ARABIC "
    run_with(instr)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    shown = OxmlElement("w:t")
    shown.text = number
    run_with(shown)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _booktabs(table, *, header_rows: int) -> None:
    """Rules above and below the table and under the header; no vertical rules; header rows repeat on each page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge, size in (("top", 12), ("left", 0), ("bottom", 12), ("right", 0), ("insideH", 0), ("insideV", 0)):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single" if size else "nil")
        if size:
            element.set(qn("w:sz"), str(size))
            element.set(qn("w:space"), "0")
            element.set(qn("w:color"), "000000")
        borders.append(element)
    properties.append(borders)
    for row in table.rows[:header_rows]:
        tr_pr = row._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        tr_pr.append(repeat)
        cant_split = OxmlElement("w:cantSplit")
        tr_pr.append(cant_split)
    for cell in table.rows[header_rows - 1].cells:
        tc_pr = cell._tc.get_or_add_tcPr()
        cell_borders = OxmlElement("w:tcBorders")
        bottom = OxmlElement("w:bottom")
        bottom.set(qn("w:val"), "single")
        bottom.set(qn("w:sz"), "6")
        bottom.set(qn("w:space"), "0")
        bottom.set(qn("w:color"), "000000")
        cell_borders.append(bottom)
        tc_pr.append(cell_borders)


def _page_numbers(doc) -> None:
    """A centred PAGE field in the footer of every section."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for section in doc.sections:
        paragraph = section.footer.paragraphs[0] if section.footer.paragraphs else section.footer.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), "PAGE")
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = "1"
        run.append(text)
        field.append(run)
        paragraph._p.append(field)
