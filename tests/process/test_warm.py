"""Warm kernels (studylib.runner.kernels): forked kernels behave as fresh ones, and nothing is left behind.

The ``registered`` fixture (tests/conftest.py) installs the warm kernel spec into a temporary Jupyter path and
registers the provisioner through a temporary ``.dist-info`` on ``sys.path``, so the tests run the worktree's code
without reinstalling the package.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from studylib.runner.kernels import warm

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="warm kernels fork: Linux only")


def _notebook(path: Path, *cells: str) -> Path:
    nb = new_notebook()
    nb.cells = [new_code_cell(textwrap.dedent(c).strip()) for c in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path


def _pool_notebook(path: Path, cell: str) -> Path:
    """A notebook ``run_many`` can run: a parameters cell taking the runner's ``data_dirs`` and ``output_dir``, then
    ``cell``."""
    nb = nbformat.read(str(_notebook(path, "# Parameters\ndata_dirs: list = []\noutput_dir: str = ''", cell)),
                       as_version=4)
    nb.cells[0].metadata["tags"] = ["parameters"]
    nbformat.write(nb, str(path))
    return path


def _execute(path: Path, out: Path, kernel: str = warm.WARM_KERNEL, **kw):
    import papermill as pm

    return pm.execute_notebook(str(path), str(out), kernel_name=kernel, progress_bar=False, log_output=False,
                               cwd=str(path.parent), **kw)


def _texts(nb) -> list[str]:
    return ["".join(o.get("text", "")) for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stdout"]


def _zygote_pids() -> set[int]:
    return {z.proc.pid for z in warm._ZYGOTES.values() if z.alive()}


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def _wait_gone(pids, seconds=15.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        left = [p for p in pids if _alive(p)]
        if not left:
            return []
        time.sleep(0.1)
    return left


def test_a_notebook_sees_nothing_of_the_one_before(registered, tmp_path):
    first = _notebook(
        tmp_path / "first.ipynb",
        """
        import os, random, sys, wave
        import numpy as np, pandas as pd, matplotlib.pyplot as plt, studylib
        leaked = 42
        os.environ["STUDYLIB_LEAK"] = "1"
        pd.set_option("display.max_rows", 3)
        plt.rcParams["lines.linewidth"] = 9.0
        studylib.LEAKED_ATTRIBUTE = True
        print(os.getpid(), os.getppid(), np.random.rand(), random.random())
        """)
    second = _notebook(
        tmp_path / "second.ipynb",
        """
        import os, random, sys
        import numpy as np, pandas as pd, matplotlib.pyplot as plt, studylib
        print(os.getpid(), os.getppid(), np.random.rand(), random.random())
        """,
        """
        print("leaked" in globals(), "wave" in sys.modules, "STUDYLIB_LEAK" in os.environ,
              pd.get_option("display.max_rows"), plt.rcParams["lines.linewidth"],
              hasattr(studylib, "LEAKED_ATTRIBUTE"))
        """)
    a = _texts(_execute(first, tmp_path / "a.ipynb"))[0].split()
    b = _texts(_execute(second, tmp_path / "b.ipynb"))
    b0 = b[0].split()
    assert int(a[0]) in warm.forked_kernels() and int(b0[0]) in warm.forked_kernels()
    assert a[0] != b0[0] and a[1] == b0[1] and int(a[1]) in _zygote_pids()  # two children of one zygote
    assert a[2] != b0[2] and a[3] != b0[3]  # fresh seeds for numpy and random
    assert b[1].split() == ["False", "False", "False", "60", "1.5", "False"]


def test_inline_figures_and_execution_counts_match_an_ordinary_kernel(registered, tmp_path):
    nb = _notebook(
        tmp_path / "fig.ipynb",
        "import matplotlib.pyplot as plt\nimport matplotlib\nprint(matplotlib.get_backend())",
        "fig, ax = plt.subplots(figsize=(3, 2))\nax.plot([1, 3, 2])\nax.set_title('t')\nplt.show()",
        "from IPython.display import Markdown\nMarkdown('**x**')")
    cold = _execute(nb, tmp_path / "cold.ipynb", kernel=warm.COLD_KERNEL if _has_cold() else "python3")
    hot = _execute(nb, tmp_path / "warm.ipynb")
    outputs = lambda n: [(c.execution_count, c.outputs) for c in n.cells]  # noqa: E731
    assert "image/png" in hot.cells[1].outputs[0]["data"]
    assert outputs(hot) == outputs(cold)


def _has_cold() -> bool:
    from jupyter_client.kernelspec import KernelSpecManager

    return warm.COLD_KERNEL in KernelSpecManager().find_kernel_specs()


def test_a_crashing_notebook_does_not_take_the_zygote_down(registered, tmp_path):
    ok = _notebook(tmp_path / "ok.ipynb", "import os\nprint(os.getppid())")
    _execute(ok, tmp_path / "warmup.ipynb")
    zygotes = _zygote_pids()
    crash = _notebook(tmp_path / "crash.ipynb", "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)")
    with pytest.raises(Exception, match="(?i)dead|died"):
        _execute(crash, tmp_path / "crashed.ipynb")
    after = _texts(_execute(ok, tmp_path / "after.ipynb"))[0].split()
    assert _zygote_pids() == zygotes and int(after[0]) in zygotes


def test_interrupt_shutdown_and_kill_behave_as_for_ordinary_kernels(registered):
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name=warm.WARM_KERNEL)
    km.start_kernel()
    try:
        pid = km.provisioner.pid
        assert pid in warm.forked_kernels()
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=30)
        msg_id = kc.execute("import time\ntime.sleep(60)", stop_on_error=False)  # the kernel would abort what follows an error
        time.sleep(1.0)
        t0 = time.monotonic()
        km.interrupt_kernel()
        reply = kc.get_shell_msg(timeout=20)
        assert reply["parent_header"]["msg_id"] == msg_id
        assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"
        assert time.monotonic() - t0 < 10
        assert km.is_alive()
        reply = kc.execute_interactive("x = 1 + 1", timeout=20)
        assert reply["content"]["status"] == "ok"
        kc.stop_channels()
        process = km.provisioner.process
        km.shutdown_kernel(now=False)
        assert process.wait(timeout=10) == 0 and not _wait_gone([pid])
    finally:
        if km.has_kernel:
            km.shutdown_kernel(now=True)
    km2 = KernelManager(kernel_name=warm.WARM_KERNEL)
    km2.start_kernel()
    process = km2.provisioner.process
    km2.shutdown_kernel(now=True)  # interrupt, then SIGKILL to the process group
    assert process.wait(timeout=10) == -signal.SIGKILL


def test_a_different_environment_gets_an_ordinary_kernel(registered, tmp_path, monkeypatch):
    nb = _notebook(tmp_path / "env.ipynb", "import os\nprint(os.getpid(), os.environ.get('ZYGOTE_TEST_VAR'))")
    _execute(nb, tmp_path / "first.ipynb")  # the zygote exists, with this environment
    monkeypatch.setenv("ZYGOTE_TEST_VAR", "changed")
    pid, value = _texts(_execute(nb, tmp_path / "second.ipynb"))[0].split()
    assert value == "changed" and int(pid) not in warm.forked_kernels()


def test_studylibs_own_variables_may_differ_and_each_kernel_sees_its_own(registered, tmp_path, monkeypatch):
    """The zygote never imports studylib, so a STUDYLIB_* variable (--no-pdf sets one) cannot have shaped its imports:
    a kernel asked for with another value is still forked from it, and sees the value it was asked for."""
    nb = _notebook(tmp_path / "own.ipynb", "import os\nprint(os.getpid(), os.environ.get('STUDYLIB_NO_PDF', 'unset'))")
    monkeypatch.delenv("STUDYLIB_NO_PDF", raising=False)
    first, value = _texts(_execute(nb, tmp_path / "first.ipynb"))[0].split()
    assert value == "unset" and int(first) in warm.forked_kernels()
    monkeypatch.setenv("STUDYLIB_NO_PDF", "1")
    second, value = _texts(_execute(nb, tmp_path / "second.ipynb"))[0].split()
    assert value == "1" and int(second) in warm.forked_kernels() and second != first


def test_the_watchdog_kills_a_slow_kernel_and_starts_an_ordinary_one(registered, tmp_path, monkeypatch):
    monkeypatch.setattr(warm.WarmProvisioner, "watchdog_seconds", 0.0)
    nb = _notebook(tmp_path / "dog.ipynb", "import os\nprint(os.getpid(), os.getppid())")
    before = list(warm._KILLED)
    pid, _ = _texts(_execute(nb, tmp_path / "dog-out.ipynb"))[0].split()
    assert int(pid) not in warm.forked_kernels()
    killed = warm._KILLED[len(before):]
    assert len(killed) == 1 and not _wait_gone(killed)


def test_a_dead_or_outdated_zygote_is_replaced(registered, tmp_path):
    nb = _notebook(tmp_path / "z.ipynb", "import os\nprint(os.getppid())")
    first = int(_texts(_execute(nb, tmp_path / "z1.ipynb"))[0])
    # an ordinary kernel's parent is this process: never kill it
    assert first != os.getpid() and first in _zygote_pids(), "the kernel was not forked from a zygote"
    os.kill(first, signal.SIGKILL)
    assert not _wait_gone([first], 5)
    second = int(_texts(_execute(nb, tmp_path / "z2.ipynb"))[0])
    assert second != first and second in _zygote_pids()
    os.utime(registered["site"])  # the interpreter's import folders changed (a package installed or removed)
    third = int(_texts(_execute(nb, tmp_path / "z3.ipynb"))[0])
    assert third not in (first, second) and third in _zygote_pids()
    assert not _wait_gone([second])  # the outdated zygote left once its last kernel had


RUNNER = """
import os, sys, papermill as pm
sys.stdout.write("%d\\n" % os.getpid()); sys.stdout.flush()
pm.execute_notebook(sys.argv[1], sys.argv[2], kernel_name="studylib-warm", progress_bar=False)
"""


@pytest.mark.parametrize("how", ["exits", "SIGKILL", "SIGINT"])
def test_no_process_is_left_behind_when_the_runner_ends(registered, tmp_path, how):
    marker = tmp_path / "kernel.txt"
    cells = ["import os\nopen(%r, 'w').write('%%d %%d' %% (os.getpid(), os.getppid()))" % str(marker)]
    if how != "exits":
        cells.append("import time\ntime.sleep(120)")
    nb = _notebook(tmp_path / "left.ipynb", *cells)
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, str(nb), str(tmp_path / "out.ipynb")],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        deadline = time.monotonic() + 90
        while not marker.exists() or not marker.read_text():
            assert proc.poll() is None or how == "exits", "the runner ended early"
            assert time.monotonic() < deadline
            time.sleep(0.1)
        kernel, zygote = map(int, marker.read_text().split())
        if how == "exits":
            assert proc.wait(timeout=60) == 0
        else:
            time.sleep(0.5)
            proc.send_signal(getattr(signal, how))
            proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not _wait_gone([kernel, zygote]), f"left behind after the runner {how}"


def test_a_pool_borrows_the_runners_own_zygote_and_leaves_it_to_the_runner(registered, tmp_path, monkeypatch):
    """A process that already runs warm kernels (a notebook run in it first) lends its zygote to a pool, which
    leaves it running for the process's next run instead of ending it (a new one costs seconds of imports)."""
    from studylib.runner.batch import run_many
    from studylib.runner.kernels import BLAS_THREAD_VARIABLES

    nb = _pool_notebook(tmp_path / "own.ipynb", "import os\nprint(os.getppid())")
    for name in BLAS_THREAD_VARIABLES:
        monkeypatch.setenv(name, "1")  # the pool's environment: one zygote can serve both
    first = _texts(_execute(nb, tmp_path / "first.ipynb"))[0].split()
    own = _zygote_pids()
    assert own == {int(first[0])}
    results = run_many([(str(nb), {}, [], tmp_path / f"o{i}") for i in range(2)], workers=2, progress=False)
    assert all(r.ok for r in results), [r.error for r in results]
    parents = {_texts(nbformat.read(str(r.output_dir / "own.ipynb"), as_version=4))[0].split()[0] for r in results}
    assert parents == {first[0]}  # the pool's kernels came from the runner's zygote
    assert _zygote_pids() == own and all(_alive(p) for p in own)  # and it is still the runner's
    again = _texts(_execute(nb, tmp_path / "again.ipynb"))[0].split()
    assert again == first


def test_pool_workers_share_the_runners_zygote_and_leave_nothing(registered, tmp_path):
    from studylib.runner.batch import run_many

    warm.shutdown_zygotes()  # no earlier run's zygote: the pool starts one for its workers, and must end it

    nb = _pool_notebook(tmp_path / "pool.ipynb",
                        "import os\nprint(os.getpid(), os.getppid(), open(f'/proc/{os.getppid()}/cmdline').read())")
    results = run_many([(str(nb), {}, [], tmp_path / f"o{i}") for i in range(4)], workers=2, progress=False)
    assert all(r.ok for r in results), [r.error for r in results]
    lines = [_texts(nbformat.read(str(r.output_dir / "pool.ipynb"), as_version=4))[0] for r in results]
    assert all("zygote.py" in line for line in lines)
    assert len({line.split()[1] for line in lines}) == 1  # the runner's one zygote served both workers
    pids = {int(x) for line in lines for x in line.split()[:2]}
    assert not _wait_gone(pids)


def test_the_zygote_imports_the_statsmodels_studylib_uses_and_not_statsmodels_api():
    """Every statsmodels module studylib names (at the top of a module or inside a function) is loaded by the
    zygote's imports, so no kernel imports one after the fork; ``statsmodels.api`` (its time-series, state-space and
    graphics modules, which no study notebook uses: ~0.2 CPU-seconds of every zygote's start) is not."""
    import ast

    from studylib.paths import PROJECT_ROOT

    named = set()
    for path in (PROJECT_ROOT / "src" / "studylib").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                named |= {a.name for a in node.names if a.name.startswith("statsmodels")}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("statsmodels"):
                named.add(node.module)
    assert {"statsmodels.formula.api", "statsmodels.stats.inter_rater"} <= named
    code = ("import importlib, json, sys\nimport matplotlib\nmatplotlib.use('agg')\n"
            f"for m in {warm.PRELOAD!r}:\n    importlib.import_module(m)\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('statsmodels'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    assert named <= loaded, f"the zygote does not import {sorted(named - loaded)}"
    assert "statsmodels.api" not in loaded and "statsmodels.tsa.statespace.mlemodel" not in loaded
