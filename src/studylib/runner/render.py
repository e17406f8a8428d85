"""Render an executed notebook into its run folder: ``report.html`` (no code), ``notebook.html`` (with code) and the
provenance manifest, then move the folder into place (``<slug>.failed/`` when the run failed)."""

from __future__ import annotations

import os
import shutil
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from ..paths import MANIFEST_FILE, NUMBERING_FILE, WARNINGS_FILE
from .result import Executed, RunResult

__all__ = ["RunResult", "export_html", "export_pdf", "export_word", "complete_references", "report_title",
           "TEMPLATES_DIR", "run_language", "page_footer_css"]


def run_language(nb) -> str:
    """The language an executed notebook was run in (recorded by the runner in ``metadata.studylib_run``; English for
    a notebook executed otherwise)."""
    return (nb.metadata.get("studylib_run") or {}).get("lang") or "en"


def page_footer_css(lang: str) -> str:
    """The CSS ``content`` of the printed page's footer, "Page 1 of 9" in ``lang`` ("Halaman 1 dari 9")."""
    import re

    from ..i18n import _, using_language

    with using_language(lang):
        words = _("Page {page} of {pages}")
    css = []
    for part in re.split(r"(\{page\}|\{pages\})", words):
        if part in ("{page}", "{pages}"):
            css.append(f"counter({part[1:-1]})")
        elif part:  # a CSS string: backslashes and quotes escaped
            css.append('"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return " ".join(css)


def export_html(notebook_path: Path, directory: Path, *, slug: str = "") -> list[Path]:
    """Write ``report.html`` (outputs only, for papers) and ``notebook.html`` (with code) beside each other, titled
    with the notebook's first heading and the run's ``slug``, in the run's language (``<html lang>``, the printed
    page's footer)."""
    import nbformat

    nb = nbformat.read(notebook_path, as_version=4)
    nb.metadata.pop("widgets", None)  # widget state is for the live workbench, not for reports
    nb.metadata["title"] = report_title(nb, fallback=notebook_path.stem, slug=slug)
    lang = run_language(nb)
    written = []
    for name, exporter in zip(("report.html", "notebook.html"), _exporters()):
        exporter.language_code = lang  # <html lang="...">: screen readers, hyphenation and the PDF's /Lang
        body, _ = exporter.from_notebook_node(_without_stderr(nb) if name == "report.html" else nb,
                                              resources={"studylib_page_footer": page_footer_css(lang)})
        path = directory / name
        path.write_text(_strip_external_scripts(body), encoding="utf-8")
        written.append(path)
    return written


def report_title(nb, *, fallback: str, slug: str = "") -> str:
    """The HTML ``<title>``: the notebook's first Markdown heading (else ``fallback``), then " — slug"."""
    import re

    heading = next((m.group(1).strip() for cell in nb.cells if cell.cell_type == "markdown"
                    for m in [re.search(r"^#{1,6}\s+(.+?)\s*#*\s*$", cell.source, flags=re.MULTILINE)] if m), "")
    heading = re.sub(r"[*_`]", "", heading) or fallback
    return f"{heading} — {slug}" if slug else heading


def numbered_outputs(directory: Path) -> dict:
    """The run's figure and table numbers (``numbering.json``, written by :class:`studylib.StudyRun`) as the
    manifest's ``figures`` and ``tables`` lists of number, caption and files; the file itself is removed."""
    import json


    path = directory / NUMBERING_FILE
    items = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
    path.unlink(missing_ok=True)
    return {key: [{k: item[k] for k in ("number", "caption", "files")} for item in items if item["kind"] == kind]
            for key, kind in (("figures", "figure"), ("tables", "table"))}


def _without_stderr(nb):
    """A copy of ``nb`` without stderr text: the code-free report shows results, and its warnings in one line of its
    own (:meth:`studylib.StudyRun.warnings_markdown`), never a library's messages with its file paths."""
    import copy

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    return nb


def _run_warnings(staging: Path) -> list[str]:
    """The warnings the notebook recorded in its ``warnings.txt`` (see :meth:`studylib.StudyRun.capture_warnings`)."""
    path = staging / WARNINGS_FILE
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


#: Set (to anything but "" or "0") to write no report.pdf, for drafts and for tests that read no PDF; ``--no-pdf``
#: sets it (an environment variable, so pool workers see it too).
NO_PDF_ENV = "STUDYLIB_NO_PDF"
NOT_PRINTED = f"report.pdf not printed ({NO_PDF_ENV} is set, e.g. by --no-pdf)"


def export_pdf(directory: Path) -> str:
    """Print ``directory/report.html`` to ``report.pdf`` with headless Chromium; return "" or why there is no PDF.

    A missing browser or a failed print never fails the run: the HTML report stands, and the reason is returned
    (and recorded in the manifest) so the caller can say it once.
    """
    from .pdf import NO_BROWSER, PdfError, find_chromium, html_to_pdf

    if os.environ.get(NO_PDF_ENV, "") not in ("", "0"):
        return NOT_PRINTED
    browser = find_chromium()
    if browser is None:
        return NO_BROWSER
    try:
        html_to_pdf(directory / "report.html", directory / "report.pdf", browser=browser)
    except (PdfError, OSError) as exc:
        (directory / "report.pdf").unlink(missing_ok=True)
        return f"no PDF written: {exc}"
    return ""


def export_word(notebook_path: Path, directory: Path, *, slug: str = "") -> str:
    """Write ``report.docx`` (:func:`studylib.runner.word.export_docx`); return "" or why there is none (a failed
    Word export never fails the run: the HTML report stands, and the reason goes into the manifest)."""
    import nbformat

    from .word import export_docx

    try:
        nb = nbformat.read(notebook_path, as_version=4)
        export_docx(nb, directory, title=report_title(nb, fallback=notebook_path.stem, slug=slug),
                    lang=run_language(nb))
    except Exception as exc:  # noqa: BLE001
        (directory / "report.docx").unlink(missing_ok=True)
        return f"no report.docx written: {type(exc).__name__}: {exc}"
    return ""


_LOCAL = threading.local()
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"  # 'studylib_lab': JupyterLab's, with figure alt text


def _exporters() -> tuple:
    """The two HTML exporters (report without code, notebook with code), built once per thread.

    Building one compiles its Jinja templates (~0.1 s); a worker that renders many notebooks reuses them. They are
    kept per thread because an exporter is not documented as safe to share between threads (Dask runs jobs in threads).
    """
    cached = getattr(_LOCAL, "exporters", None)
    if cached is None:
        from nbconvert import HTMLExporter

        cached = tuple(
            HTMLExporter(template_name="studylib_lab", extra_template_basedirs=[str(TEMPLATES_DIR)],
                         exclude_input=exclude, exclude_input_prompt=exclude, exclude_output_prompt=exclude,
                         mathjax_url="", require_js_url="", widget_renderer_url="", jupyter_widgets_base_url="")
            for exclude in (True, False)
        )
        _LOCAL.exporters = cached
    return cached


def _strip_external_scripts(html_text: str) -> str:
    """Drop ``<script src=...>`` tags: a report must open offline and load nothing from the network."""
    import re

    return re.sub(r"<script[^>]*\ssrc=[^>]*>\s*</script>", "", html_text, flags=re.IGNORECASE)



def _render(run: Executed) -> RunResult:
    """Export the HTML, stamp the manifest and move the staging folder into place (``<slug>.failed`` on failure)."""
    from ..provenance import write_manifest

    try:
        t0 = time.perf_counter()
        status, error, pdf_note, docx_note = run.status, run.error, "", ""
        if status == "ok":
            try:
                complete_references(run.staging / f"{run.stem}.ipynb", run.staging, run.sources,
                                    style=str(run.checked.get("citation_style") or "apa"))
                export_html(run.staging / f"{run.stem}.ipynb", run.staging, slug=run.slug)
            except Exception as exc:  # noqa: BLE001
                status, error = "failed", f"HTML export failed: {exc}"
        if status == "ok":
            pdf_note = export_pdf(run.staging)
            docx_note = export_word(run.staging / f"{run.stem}.ipynb", run.staging, slug=run.slug)
        seconds = run.seconds + time.perf_counter() - t0  # working time, not time spent waiting for a worker
        write_manifest(
            run.staging / MANIFEST_FILE, notebook=run.stem, slug=run.slug, status=status, error=error,
            parameters={k: v for k, v in run.checked.items() if k != "output_dir"}, data_files=_input_hashes(run),
            start=run.started.isoformat(timespec="seconds"),
            end=datetime.now(timezone.utc).isoformat(timespec="seconds"), duration_seconds=round(seconds, 2),
            warnings=_run_warnings(run.staging),
            **({"pdf": pdf_note} if pdf_note else {}), **({"docx": docx_note} if docx_note else {}),
            **numbered_outputs(run.staging),
            files=sorted(str(p.relative_to(run.staging)) for p in run.staging.rglob("*") if p.is_file()),
        )
    except BaseException:
        shutil.rmtree(run.staging, ignore_errors=True)
        raise
    final = run.dest if status == "ok" else run.dest.parent / f"{run.slug}.failed"
    _replace(run.staging, final)
    if status == "ok":
        shutil.rmtree(run.dest.parent / f"{run.slug}.failed", ignore_errors=True)
    return RunResult(run.stem, run.slug, status, final, seconds, error, run.checked, pdf_note)


REFERENCES_HEADING = "**References**\n\n"  # how :meth:`studylib.StudyRun.provenance_section` opens the list


def references_heading() -> str:
    """:data:`REFERENCES_HEADING` in the current language (as the kernel wrote it)."""
    from ..i18n import _

    return _("**References**") + "\n\n"


def _output_text(nb) -> str:
    """Everything the executed notebook shows a reader (Markdown cells and the text of outputs, not code)."""
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            parts.append(cell.source)
        elif cell.cell_type == "code":
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                for mime in ("text/markdown", "text/html", "text/plain"):
                    if mime in data:
                        value = data[mime]
                        parts.append("".join(value) if isinstance(value, list) else value)
                        break
                if output.get("output_type") == "stream" and output.get("name") == "stdout":
                    parts.append(output.get("text", ""))
    return "\n".join(parts)


def complete_references(notebook_path: Path, directory: Path, sources, *, style: str = "apa") -> tuple[list, list]:
    """Make the run's references complete: every source its saved tables cite *and* every source and method its
    report's text names (:func:`studylib.report.references.named_in_text`), formatted in CSL ``style``.

    Rewrites the reference list the notebook printed (which knew only the tables) and writes ``references.bib``
    and ``references.json``; returns (source ids, method ids).
    """
    import nbformat

    from ..report.references import (cited_source_ids, method_references, named_in_text, reference_list_markdown,
                                     write_references)

    if sources is None:
        return [], []
    from ..i18n import using_language

    nb = nbformat.read(notebook_path, as_version=4)
    named, methods = named_in_text(_output_text(nb), sources["source_id"].astype(str))
    ids = sorted(set(cited_source_ids(directory / "tables")) | set(named))
    with using_language(run_language(nb)):  # the list in the report's language (CSL locale, notes)
        listed = reference_list_markdown(sources, ids, extra=method_references(set(methods)), style=style)
        heading = references_heading()
    changed = False
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            text = output.get("data", {}).get("text/markdown")
            text = "".join(text) if isinstance(text, list) else text
            if text and heading in text:
                output["data"]["text/markdown"] = text.split(heading, 1)[0] + heading + listed
                output["data"].pop("text/plain", None)
                changed = True
    if changed:
        nbformat.write(nb, notebook_path)
    write_references(directory, sources, ids, methods=methods)
    return ids, methods


def _input_hashes(run: Executed) -> dict:
    """The data files' SHA-256 (from the validated bundle) and those of the other files the run read (a
    ``network_file``), so that a changed input makes the run stale."""
    from ..provenance import file_sha256

    hashes = dict(run.data_files)
    if "network_file" in run.checked:
        from ..network.graph import DEFAULT_NETWORK
        from ..paths import PROJECT_ROOT

        path = Path(run.checked["network_file"] or DEFAULT_NETWORK)
        if path.is_file():
            shown = path.relative_to(PROJECT_ROOT).as_posix() if path.is_relative_to(PROJECT_ROOT) else str(path)
            hashes.setdefault(shown, file_sha256(path))
    return hashes


def _replace(staging: Path, final: Path) -> None:
    """Move ``staging`` to ``final``, replacing what was there only once the new folder is complete."""
    old = final.parent / f".{final.name}.old-{uuid.uuid4().hex[:8]}"
    if final.exists():
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)
