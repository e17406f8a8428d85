"""Print a rendered report to ``report.pdf`` with a headless Chromium (the browser's own PDF engine).

The report's print stylesheet (``templates/studylib_lab``) sets the page: A4, page numbers in the footer, figures and
table rows never cut by a page break, tables wrapped to the page width. Chromium embeds the (subset) fonts it used,
including the CJK font it falls back to for Hangul, Kana and Kanji.

The Chromium command line is used rather than a browser driver: it adds no Python dependency, and a report costs one
browser start and print (measured 1.6-1.8 CPU-seconds; a Playwright browser kept open per worker measured 1.0-1.4 per
page) beside the notebook's own run (about 5 CPU-seconds). Without a Chromium the run
still succeeds, without a PDF; :data:`NO_BROWSER` says how to get one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["find_chromium", "html_to_pdf", "NO_BROWSER", "PdfError"]

#: Commands tried in order (Debian's ``chromium``, Ubuntu's ``chromium-browser``, Google Chrome), after the
#: ``STUDYLIB_CHROMIUM`` environment variable, which may name any Chromium-based browser's executable.
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
_MAC_APPS = ("/Applications/Chromium.app/Contents/MacOS/Chromium",
             "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome")

NO_BROWSER = ("no PDF written: no Chromium found (install it, e.g. 'apt-get install chromium fonts-noto-cjk', "
              "or set STUDYLIB_CHROMIUM to a Chrome/Chromium executable; see the README, 'PDF reports')")


class PdfError(RuntimeError):
    """Chromium ran but did not write a PDF (the run keeps its HTML report; the manifest records the reason)."""


def find_chromium() -> str | None:
    """The Chromium (or Chrome) executable to print with, or None when there is none."""
    named = os.environ.get("STUDYLIB_CHROMIUM", "").strip()
    if named:
        return shutil.which(named) or (named if Path(named).is_file() else None)
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return next((app for app in _MAC_APPS if Path(app).is_file()), None)


def html_to_pdf(html_path: Path, pdf_path: Path, *, browser: str | None = None, timeout: float = 180) -> Path:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium; return ``pdf_path``.

    The page size, margins and page-number footer come from the page's print stylesheet (Chromium's own
    header and footer, which would show the local file path, are switched off). Raises :class:`PdfError` when the
    browser fails or writes no PDF, and ``FileNotFoundError`` when no browser is given or found.
    """
    browser = browser or find_chromium()
    if browser is None:
        raise FileNotFoundError(NO_BROWSER)
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path).resolve()
    with tempfile.TemporaryDirectory(prefix="studylib-chromium-") as profile:
        command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   "--disable-extensions", "--hide-scrollbars", "--mute-audio", f"--user-data-dir={profile}",
                   "--no-pdf-header-footer", f"--print-to-pdf={pdf_path}", html_path.as_uri()]
        env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": "disabled:"}  # no session bus: skip the retries
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise PdfError(f"Chromium did not finish printing {html_path.name} within {timeout:g} s") from None
    if not pdf_path.is_file() or pdf_path.read_bytes()[:5] != b"%PDF-":
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise PdfError(f"Chromium wrote no PDF for {html_path.name} (exit {done.returncode}: {last})")
    return pdf_path
