"""Driving JupyterLab and reports in headless Chromium, for the browser tests (``tests/browser``): a Lab server on a
free port serving a folder, a watched page that collects script errors, and the notebook's error outputs.

Playwright for Python drives Debian's ``chromium`` (``executable_path`` from ``shutil.which``; no
``playwright install``). The fixtures that use this (``browser``, ``lab``) are in ``tests/browser/conftest.py``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path

import nbformat

from studylib.paths import NOTEBOOKS_DIR

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LAB_START_SECONDS = 90
RUN_ALL_SECONDS = 180
CHANGE_SECONDS = 60
WIDGET_IMG = ".studylib-explorer-output img"
ERROR_OUTPUT = '.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]'
ALL_CELLS_RAN = """() => {
    const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')]
        .map(e => e.textContent.trim());
    return prompts.length > 0 && prompts.every(t => /^\\[\\d+\\]:$/.test(t));
}"""
NOTEBOOK_READY = """(cells) => {
    // the notebook's own cells are shown (not the 1-cell placeholder) and its kernel is connected and idle;
    // the toolbar's execution indicator says 'idle' before any kernel exists, so the status bar is read instead
    const status = [...document.querySelectorAll('.jp-StatusBar-Item')].map(e => e.textContent).join(' ');
    return document.querySelectorAll('.jp-Notebook .jp-Cell').length === cells
        && /\\| Idle/.test(status) && !/No Kernel/.test(status);
}"""
IMG_CHANGED = """(old) => {
    const img = document.querySelector('.studylib-explorer-output img');
    return img !== null && img.complete && img.naturalWidth > 0 && img.src !== old;
}"""


def in_ci() -> bool:
    """Whether this run is CI's (``CI`` set to anything but '', '0', 'false' or 'no'): read when asked, not at import."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _missing() -> list[str]:
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the Python package 'playwright' (pip install 'playwright>=1.40')")
    if shutil.which("chromium") is None:
        missing.append("Debian's 'chromium' on PATH (apt-get install chromium)")
    return missing


# ------------------------------------------------------------------------------------------- JupyterLab


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab (``url``, ``token``, its server ``log``, serving ``root``) as one test sees it: the test's
    notebooks are in its own ``folder`` under ``root``, and the log it reads starts where the test began."""

    url: str
    token: str
    log: Path
    root: Path
    folder: str = ""  # relative to root: "" is the root itself
    log_start: int = 0

    @property
    def directory(self) -> Path:
        """This test's folder on disk (where its notebooks are written)."""
        return self.root / self.folder

    def path(self, name: str) -> str:
        """The server's path of the notebook ``name`` in this test's folder (what /api/sessions and /lab/tree use)."""
        return f"{self.folder}/{name}" if self.folder else name

    def inside(self, folder: Path) -> "Lab":
        """The same server seen from ``folder`` (made under its root), its log read from this moment on."""
        folder.mkdir(parents=True, exist_ok=True)
        return replace(self, folder=folder.relative_to(self.root).as_posix(), log_start=self.log.stat().st_size)

    def log_text(self) -> str:
        """What the server logged since this test began (the kernels' exceptions from widget callbacks go here)."""
        with open(self.log, "rb") as fh:
            fh.seek(self.log_start)
            return fh.read().decode("utf-8", errors="replace")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _jupyter() -> str:
    here = Path(sys.executable).parent / "jupyter"  # the venv's own jupyter, beside the test interpreter
    return str(here) if here.exists() else shutil.which("jupyter") or "jupyter"


def _workbench_copy(root: Path, out: Path) -> Path:
    """A copy of explore.ipynb whose snapshot goes to ``out``: the project's notebook and outputs stay untouched."""
    from studylib.runner.kernels.warm import kernel_name

    nb = nbformat.read(NOTEBOOKS_DIR / "explore.ipynb", as_version=4)
    params = next(c for c in nb.cells if c.cell_type == "code")
    params.source, n = re.subn(r'^output_dir: str = "[^"]*"', f"output_dir: str = {str(out)!r}", params.source,
                               flags=re.M)
    assert n == 1, "explore.ipynb's parameters cell must set output_dir"
    name = kernel_name()  # 'studylib' when make installed it, else this interpreter's python3
    nb.metadata["kernelspec"] = {**nb.metadata["kernelspec"], "name": name}
    path = root / "explore.ipynb"
    nbformat.write(nb, path)
    return path


def _lab_settings(folder: Path) -> Path:
    """User settings for a hermetic Lab: render every cell (no windowing), no news or update checks."""
    tracker = folder / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text('{"windowingMode": "none"}')
    notes = folder / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notes.parent.mkdir(parents=True)
    notes.write_text('{"fetchNews": "false", "checkForUpdates": false}')
    return folder


def _wait_for_status(url: str, token: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + LAB_START_SECONDS
    request = urllib.request.Request(f"{url}/api/status", headers={"Authorization": f"token {token}"})
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(request, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"JupyterLab did not answer /api/status in {LAB_START_SECONDS}s:\n{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()  # SIGTERM: the server shuts its kernels down
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextlib.contextmanager
def running_lab(tmp_path: Path, root: Path):
    """JupyterLab serving ``root`` on a free port, with its own settings (in ``tmp_path``), and the study kernel as
    default. The browser tests share one (``lab_server`` in tests/browser/conftest.py): each test works in a folder of
    its own (:meth:`Lab.inside`)."""
    from studylib.runner.kernels.warm import kernel_name

    env = {**os.environ,
           "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(_lab_settings(tmp_path / "lab-settings")),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "lab-workspaces")}
    log = tmp_path / "lab.log"
    token = secrets.token_hex(16)
    for attempt in range(3):  # the free port may be taken between choosing and binding it
        port = _free_port()
        cmd = [_jupyter(), "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
               "--ServerApp.port_retries=0", f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}",
               "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly", f"--MultiKernelManager.default_kernel_name={kernel_name()}"]
        with open(log, "ab") as fh:
            proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                    cwd=root)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_for_status(url, token, proc, log)
            yield Lab(url, token, log, root)
            return
        except RuntimeError:
            if attempt == 2 or "already in use" not in log.read_text():
                raise
        finally:
            _stop(proc)


def _api(lab: Lab, path: str, body: dict | None = None, *, timeout: float = 10, method: str | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{lab.url}{path}", data=data, method=method or ("POST" if data else "GET"),
                                     headers={"Authorization": f"token {lab.token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as resp:
        answer = resp.read()
    return json.loads(answer) if answer else None


def sessions_of(lab: Lab, notebook: str) -> list[str]:
    """The kernel ids of the server's sessions of ``notebook`` (in this test's folder)."""
    return [x["kernel"]["id"] for x in _api(lab, "/api/sessions") if x["path"] == lab.path(notebook)]


def shut_down_sessions(lab: Lab) -> None:
    """End the sessions (and kernels) of this test's folder: the next test on the shared server starts clean."""
    prefix = lab.path("")
    for session in _api(lab, "/api/sessions"):
        if session["path"].startswith(prefix):
            _api(lab, f"/api/sessions/{session['id']}", method="DELETE")


def _start_session(lab: Lab, notebook: str) -> str:
    """Start the notebook's session (and its kernel) through the REST API; return the kernel id.

    Lab attaches to this session when the notebook opens, instead of racing to start (and replace) a kernel of
    its own while "Run All" is already queued.
    """
    from studylib.runner.kernels.warm import kernel_name

    session = _api(lab, "/api/sessions", {"path": lab.path(notebook), "name": notebook, "type": "notebook",
                                          "kernel": {"name": kernel_name()}},
                   timeout=LAB_START_SECONDS)  # the reply waits for the kernel, and the first one for its zygote
    return session["kernel"]["id"]


def _wait_for_kernel(lab: Lab, kernel_id: str) -> None:
    """Until the server sees the page connected to the kernel and the kernel idle."""
    deadline = time.monotonic() + LAB_START_SECONDS
    while True:
        kernel = _api(lab, f"/api/kernels/{kernel_id}")
        if kernel["connections"] >= 1 and kernel["execution_state"] == "idle":
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the kernel is not connected and idle after {LAB_START_SECONDS}s: {kernel}")
        time.sleep(0.25)


def _widget_src(page) -> str:
    img = page.locator(WIDGET_IMG)
    assert img.count() == 1, "the workbench output shows exactly one chart"
    return img.get_attribute("src")


@contextlib.contextmanager
def watched_page(browser, tmp_path: Path, *, height: int):
    """A page and the list of its uncaught script errors; when the test fails, a screenshot of what the page showed
    is kept as ``failure.png``."""
    page = browser.new_page(viewport={"width": 1400, "height": height})
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    try:
        yield page, page_errors
    except BaseException:
        with contextlib.suppress(Exception):  # what the browser showed, for the failure report
            page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
        raise
    finally:
        page.close()


def cell_errors(page) -> list[str]:
    """The texts of stderr outputs in the notebook that report an error or a traceback."""
    return [t for t in page.locator(ERROR_OUTPUT).all_inner_texts() if "Traceback" in t or "Error" in t]


def open_and_run_all(lab: Lab, page, notebook: str) -> str:
    """Open ``notebook`` (in the test's folder) in JupyterLab on ``page`` with its kernel connected, Run All, wait
    until every cell ran; return the kernel id."""
    cells = len(nbformat.read(lab.directory / notebook, as_version=4).cells)
    kernel_id = _start_session(lab, notebook)
    # a workspace of the notebook's own: the shared server would otherwise restore the tabs an earlier test left open
    workspace = re.sub(r"[^A-Za-z0-9-]", "-", lab.path(notebook))
    page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/{lab.path(notebook)}?token={lab.token}")
    page.wait_for_function(NOTEBOOK_READY, arg=cells, timeout=LAB_START_SECONDS * 1000)
    _wait_for_kernel(lab, kernel_id)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
    page.wait_for_function(ALL_CELLS_RAN, timeout=RUN_ALL_SECONDS * 1000)
    return kernel_id


