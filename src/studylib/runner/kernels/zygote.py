"""Kernel fork server ("zygote"): import the study's libraries once, then fork one fresh ipykernel per request.

Run by :mod:`studylib.runner.kernels.pool` as a script (not ``-m``, so that ``studylib`` itself is never preloaded and a kernel
always imports the library's current code), with the kernel spec's interpreter and flags::

    python [flags] zygote.py <control-fd> <json list of modules>

Protocol, on the inherited control socket (a SOCK_SEQPACKET socketpair end):

* the zygote sends one message when its imports are done: ``{"ready": {...}}`` (or ``{"error": "..."}``);
* a request is one JSON message ``{"op": "fork", "args": [...], "env": {...}, "cwd": "...", "parent_pid": n}``
  carrying one passed descriptor, the kernel's report socket; on it the zygote writes ``{"pid": n}``, the kernel
  writes ``{"up": true}`` once its sockets are bound, and the zygote writes ``{"exit": code}`` when it has reaped it;
* ``{"op": "retire"}``: fork no more and exit when the last kernel has exited (the environment changed);
* end of file (the runner exited or was killed), the runner's death (checked every second: pool workers that
  outlive a killed runner still hold the socket), SIGTERM or SIGHUP: kill every kernel's process group, then exit.

Linux only: it relies on ``os.fork()`` in a single-threaded process. Standard library only until the imports.
"""

import sys

del sys.path[0]  # this script's folder (src/studylib) must not be on the kernels' path, as for ipykernel_launcher

import gc  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import selectors  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

PR_SET_PDEATHSIG = 1
# Set in the zygote only, for its imports; every kernel gets exactly the environment it asked for.
ZYGOTE_ONLY_ENV = {
    # pyarrow's bundled jemalloc starts a background purging thread when it loads; a thread must not exist at fork.
    # (Arrow's default pool is mimalloc; the jemalloc pool still works without the thread.)
    "JE_ARROW_MALLOC_CONF": "background_thread:false",
}


__all__ = ["preload", "run_kernel", "main"]  # run as a script by studylib.runner.kernels.pool, not imported


def _threads() -> list[str]:
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return []
    names = []
    for tid in tasks:
        try:
            with open(f"/proc/self/task/{tid}/comm") as f:
                names.append(f.read().strip())
        except OSError:
            names.append("?")
    return names


def _open_fds() -> set[int]:
    try:
        return {int(fd) for fd in os.listdir("/proc/self/fd")}
    except OSError:
        return set()


def preload(modules: list[str]) -> dict:
    """Import what a study kernel imports, as a kernel would (same backend variable), and warm the font cache."""
    t0 = time.perf_counter()
    added = {k: v for k, v in ZYGOTE_ONLY_ENV.items() if k not in os.environ}
    os.environ.update(added)
    # ipykernel sets this before any user code runs (IPKernelApp.init_gui_pylab); matplotlib reads it at import.
    if not os.environ.get("MPLBACKEND"):
        os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    import ipykernel.ipkernel  # noqa: F401  (IPython, zmq, tornado, traitlets, jupyter_client.session)
    import ipykernel.kernelapp  # noqa: F401
    import ipykernel.zmqshell  # noqa: F401
    import ipykernel_launcher  # noqa: F401
    import ipykernel.debugger  # noqa: F401  (debugpy, when installed: every kernel imports it as it starts, ~35 ms)

    for name in modules:
        importlib.import_module(name)
    if "matplotlib" in sys.modules:  # find and open the default font once (every figure needs it)
        from matplotlib import font_manager

        font_manager.get_font(font_manager.findfont(font_manager.FontProperties()))
    for k in added:
        del os.environ[k]
    gc.collect()
    gc.freeze()  # the imported objects stay out of the kernels' collections: fewer copy-on-write pages
    return {"seconds": round(time.perf_counter() - t0, 3), "threads": _threads(), "path": sys.path,
            "sources": _source_folders()}


def _source_folders() -> list[str]:
    """Folders of imported modules that are not installed packages nor the standard library (a project's own code
    on PYTHONPATH or installed in editable mode): the provisioner watches their files for edits."""
    installed = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    folders = set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if not path:
            continue
        real = os.path.realpath(path)
        if "site-packages" in real or "dist-packages" in real or any(real.startswith(p + os.sep) for p in installed):
            continue
        folders.add(os.path.dirname(real))
    return sorted(folders)


def _kill_group(pid: int, sig=signal.SIGKILL) -> None:
    try:
        os.killpg(pid, sig)
    except OSError:
        try:
            os.kill(pid, sig)
        except OSError:
            pass


def _send(sock: socket.socket, message: dict) -> None:
    try:
        sock.sendall(json.dumps(message).encode() + b"\n")
    except OSError:
        pass


class Server:
    """The zygote's loop: fork on request, reap and report kernels, take them all down when the runner goes."""

    def __init__(self, ctl: socket.socket, baseline_fds: set[int]):
        self.ctl = ctl
        self.baseline_fds = baseline_fds  # descriptors the imports opened: a fresh kernel has them too
        self.reports: dict[int, socket.socket] = {}
        self.retiring = False
        self.wake_r, self.wake_w = socket.socketpair()
        self.wake_r.setblocking(False)
        self.wake_w.setblocking(False)
        self.selector = selectors.DefaultSelector()

    def serve(self):
        """Serve until told to stop; returns ``None`` in the zygote, the kernel's request in a forked child."""
        signal.set_wakeup_fd(self.wake_w.fileno())
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C belongs to the runner; we follow its control socket
        stop = []
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, lambda *_: stop.append(True))
        self.selector.register(self.ctl, selectors.EVENT_READ, "ctl")
        self.selector.register(self.wake_r, selectors.EVENT_READ, "wake")
        parent = os.getppid()
        while not stop:
            if os.getppid() != parent:  # the runner was killed (pool workers it left may still hold the socket)
                break
            for key, _ in self.selector.select(timeout=1.0):
                if key.data == "wake":
                    try:
                        while self.wake_r.recv(4096):
                            pass
                    except OSError:
                        pass
                    continue
                try:
                    data, fds, _flags, _addr = socket.recv_fds(self.ctl, 1 << 20, 4)
                except OSError:
                    data, fds = b"", []
                if not data:  # the runner has gone
                    stop.append(True)
                    break
                request = json.loads(data)
                if request.get("op") == "retire":
                    self.retiring = True
                    continue
                report = socket.socket(fileno=fds[0])
                for extra in fds[1:]:
                    os.close(extra)
                if self.retiring:
                    report.close()
                    continue
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    self.become_kernel(report)
                    return request
                self.reports[pid] = report
                _send(report, {"pid": pid})
            self.reap()
            if self.retiring and not self.reports:
                return None
        for pid in list(self.reports):
            _kill_group(pid)
        deadline = time.monotonic() + 10
        while self.reports and time.monotonic() < deadline:
            self.reap()
            time.sleep(0.01)
        return None

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            report = self.reports.pop(pid, None)
            if report is not None:
                _send(report, {"exit": os.waitstatus_to_exitcode(status)})
                report.close()

    def become_kernel(self, report: socket.socket) -> None:
        """In the forked child: undo what a fresh ``python -m ipykernel_launcher`` would not have inherited."""
        os.setsid()  # its own session and process group, as jupyter_client's Popen(start_new_session=True)
        _die_with_parent()
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        self.selector.close()
        keep = report.fileno()
        for sock in (self.ctl, self.wake_r, self.wake_w, *self.reports.values()):
            sock.close()
        self.reports = {}
        for fd in _open_fds() - self.baseline_fds - {0, 1, 2, keep}:
            try:
                os.close(fd)  # anything else the zygote held (the directory listing's own fd is gone already)
            except OSError:
                pass
        self.report = report


def _die_with_parent() -> None:
    """Ask Linux to kill this kernel if the zygote dies (the zygote is single-threaded, so this is reliable)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except Exception:  # noqa: BLE001 - ipykernel's parent poller still ends the kernel within a second
        pass


def run_kernel(request: dict, report: socket.socket) -> None:
    """Become the kernel ``python -m ipykernel_launcher <args>`` would have started, in this forked process."""
    import asyncio
    import random

    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ["JPY_PARENT_PID"] = str(request["parent_pid"])  # what jupyter_client's launcher sets for a kernel
    random.seed()  # fresh seeds: forked kernels would otherwise all draw the zygote's sequence
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()
    asyncio.set_event_loop_policy(None)  # a fresh policy: no event loop inherited from the zygote
    import ipykernel_launcher
    from ipykernel.kernelapp import IPKernelApp

    sys.argv = [ipykernel_launcher.__file__, *request["args"]]
    # ipykernel read JPY_PARENT_PID when the zygote imported it (unset there): name the real parent, the zygote, so
    # that the kernel exits if the zygote dies.
    app = IPKernelApp.instance(parent_handle=os.getppid())
    app.initialize(request["args"])
    _send(report, {"up": True})
    report.close()
    app.start()


def main() -> None:
    ctl = socket.socket(fileno=int(sys.argv[1]))
    modules = json.loads(sys.argv[2])
    try:
        info = preload(modules)
    except BaseException as exc:  # noqa: BLE001 - reported to the provisioner, which starts ordinary kernels
        traceback.print_exc()
        ctl.send(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
        return
    baseline = _open_fds()
    ctl.send(json.dumps({"ready": info, "pid": os.getpid()}).encode())
    server = Server(ctl, baseline)
    request = server.serve()
    if request is None:
        return
    run_kernel(request, server.report)  # from here on this process is a kernel


if __name__ == "__main__":
    main()
