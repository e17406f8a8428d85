"""report.docx (issue 27): real Word tables without vertical rules, figures, SEQ-numbered captions, the reference
list and page numbers; LibreOffice opens it (CI installs LibreOffice, so there a missing one is a failure)."""

from __future__ import annotations

import base64
import io

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _png() -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, 1])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=50)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def _notebook():
    import nbformat

    nb = nbformat.v4.new_notebook()
    table = ('<style>x{}</style><p class="studylib-caption"><strong>Table 1.</strong> Activities of the tie.</p>'
             '<table class="dataframe studylib-table"><thead><tr><th>activity_id</th><th>start</th></tr></thead>'
             '<tbody><tr><td>sb-002</td><td>1960-06-24</td></tr><tr><td>sb-003</td><td>-10.189</td></tr></tbody>'
             '</table>')
    code = nbformat.v4.new_code_cell("x")
    code.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": table, "text/plain": "<Table>"}),
        nbformat.v4.new_output("display_data", data={"image/png": _png(), "text/plain": "<Image>"},
                               metadata={"image/png": {"width": 300}}),
        nbformat.v4.new_output("display_data", data={"text/html": '<p class="studylib-caption"><strong>Figure 1.'
                                                                  '</strong> Events per year.</p>'}),
        nbformat.v4.new_output("display_data", data={"text/markdown": "**References**\n\n- Rakhkmadi, R. \\(2023\\). "
                                                                      "*JTJ*, *1*\\(1\\). \\[`rakhmadi`\\]"}),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# Pair profile\n\nSome **bold** text with `code`.\n\n- one\n- two"),
                code]
    return nb


def test_docx_has_tables_figures_seq_captions_references_and_page_numbers(tmp_path):
    from docx import Document

    from studylib.runner.word import export_docx

    path = export_docx(_notebook(), tmp_path, title="Pair profile — surabaya-busan")
    doc = Document(path)
    assert len(doc.tables) == 1 and len(doc.inline_shapes) == 1
    cells = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert cells == [["activity_id", "start"], ["sb-002", "1960-06-24"], ["sb-003", "-10.189"]]
    borders = doc.tables[0]._tbl.tblPr.find(f"{W}tblBorders")
    assert borders.find(f"{W}insideV").get(f"{W}val") == "nil" and borders.find(f"{W}top").get(f"{W}val") == "single"
    assert doc.tables[0].rows[0]._tr.trPr.find(f"{W}tblHeader") is not None  # header repeated on each page
    xml = doc.element.xml
    assert " SEQ Table \\* ARABIC " in xml and " SEQ Figure \\* ARABIC " in xml
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert captions == ["Table 1. Activities of the tie.", "Figure 1. Events per year."]
    texts = [p.text for p in doc.paragraphs]
    assert "Rakhkmadi, R. (2023). JTJ, 1(1). [rakhmadi]" in texts and "Some bold text with code." in texts
    assert any(p.style.name == "List Bullet" and p.text == "one" for p in doc.paragraphs)
    footer = doc.sections[0].footer._element.xml
    assert 'w:instr="PAGE"' in footer
