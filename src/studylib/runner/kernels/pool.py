"""The runner's side of warm kernels: start, reuse, replace and end the zygotes, and fork kernels from them.

This process owns the zygotes it started (:mod:`studylib.runner.kernels.zygote` runs in each) and keeps one per interpreter and
preload: it replaces one that died, whose imports are outdated or (for :func:`prestart <studylib.runner.kernels.warm.prestart>`)
whose environment differs, and ends them all, with their kernels, at exit. A forked copy of this process (a pool
worker) borrows its parent's current zygote. :class:`ForkedKernel` is the ``Popen``-like handle of a forked kernel.
The provisioner that uses all this is :class:`studylib.runner.kernels.warm.WarmProvisioner`.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

__all__ = ["Zygote", "ZygoteError", "ForkedKernel", "PER_KERNEL_ENV", "PER_KERNEL_PREFIX", "forked_kernels", "release",
           "shutdown_zygotes"]

ZYGOTE_SCRIPT = str(Path(__file__).resolve().with_name("zygote.py"))
# Variables that may differ between kernels forked from one zygote (each kernel still gets its own value): set by
# jupyter_client for each kernel, and by pytest for each test (notebooks run from a test suite). No library reads
# them at import.
PER_KERNEL_ENV = frozenset({"JPY_PARENT_PID", "JPY_SESSION_NAME", "PYTEST_CURRENT_TEST"})
# So may studylib's own variables (STUDYLIB_NO_PDF, STUDYLIB_ROOT...): the zygote never imports studylib, so none of
# them shaped its imports (a run with --no-pdf after one without forked an ordinary kernel, importing everything).
PER_KERNEL_PREFIX = "STUDYLIB_"


def _stable_env(env: dict) -> dict:
    """The variables a zygote's imports may have read: kernels forked from it must agree with it on these."""
    return {k: v for k, v in env.items() if k not in PER_KERNEL_ENV and not k.startswith(PER_KERNEL_PREFIX)}


def _stamp(ready: dict) -> tuple:
    """What the zygote's imports depend on, as modification times: its import folders (installing, removing or
    upgrading a package adds or removes an entry, its ``.dist-info``, in one of them) and every file in the folders of
    the modules it imported from outside installed packages (a project's own code, edited in place)."""
    out = []
    for p in ready["path"]:
        try:
            out.append((p, os.stat(p or ".").st_mtime_ns))
        except OSError:
            out.append((p, None))
    for folder in ready.get("sources", []):
        try:
            with os.scandir(folder) as entries:
                out += sorted((e.path, e.stat().st_mtime_ns) for e in entries if e.is_file())
        except OSError:
            out.append((folder, None))
    return tuple(out)


class ZygoteError(RuntimeError):
    """The zygote could not start or serve a kernel (the provisioner then starts an ordinary one)."""


class Zygote:
    """One fork server, owned by the process that started it (a forked copy of that process never uses it)."""

    def __init__(self, python_argv: list[str], preload: list[str], env: dict):
        self.python_argv, self.preload, self.env = list(python_argv), list(preload), _stable_env(env)
        self.ctl, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.proc = subprocess.Popen(
                [*python_argv, ZYGOTE_SCRIPT, str(theirs.fileno()), json.dumps(self.preload)],
                pass_fds=(theirs.fileno(),), env=self.env, stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            theirs.close()
        self.ctl.setblocking(False)
        self.owner = os.getpid()
        self.ready: dict | None = None
        self.error = ""
        self.lock = threading.Lock()

    @property
    def borrowed(self) -> bool:
        """Inherited from the process that started it (a pool worker uses its runner's zygote)."""
        return self.owner != os.getpid()

    def alive(self) -> bool:
        if self.borrowed:
            try:
                os.kill(self.proc.pid, 0)
            except OSError:
                return False
            return not self.error
        return self.proc.poll() is None and not self.error

    def _send(self, payload: bytes, fds=()) -> None:
        """One message on the control socket; it stays non-blocking (pool workers share it with their runner)."""
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.send_fds(self.ctl, [payload], list(fds)) if fds else self.ctl.send(payload)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.001)

    def check_ready(self) -> bool:
        """Whether the imports are done (non-blocking); raises :class:`ZygoteError` if the zygote failed."""
        with self.lock:
            if self.ready is None and not self.error:
                try:
                    msg = self.ctl.recv(1 << 20)
                except BlockingIOError:
                    msg = None
                except OSError as exc:
                    msg, self.error = None, f"control socket: {exc}"
                if msg == b"":
                    self.error = f"the zygote exited while importing (status {self.proc.poll()})"
                elif msg:
                    data = json.loads(msg)
                    if "error" in data:
                        self.error = f"the zygote could not import its libraries: {data['error']}"
                    else:
                        self.ready = data["ready"]
                        self.stamp = _stamp(self.ready)
            if self.error:
                raise ZygoteError(self.error)
            return self.ready is not None

    async def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.check_ready():
            if time.monotonic() > deadline:
                self.error = f"the zygote did not finish its imports in {timeout:.0f} s"
                self.close()
                raise ZygoteError(self.error)
            await asyncio.sleep(0.02)

    def stale(self) -> bool:
        """Whether the interpreter's installed packages changed since the zygote imported them."""
        return not self.borrowed and self.ready is not None and _stamp(self.ready) != self.stamp

    def fork(self, args: list[str], env: dict, cwd: str) -> "ForkedKernel":
        mine, theirs = socket.socketpair()
        try:
            request = {"op": "fork", "args": args, "env": env, "cwd": cwd, "parent_pid": os.getpid()}
            with self.lock:
                self._send(json.dumps(request).encode(), [theirs.fileno()])
        except OSError as exc:
            mine.close()
            raise ZygoteError(f"the zygote did not take the request: {exc}") from None
        finally:
            theirs.close()
        return ForkedKernel(mine)

    def retire(self) -> None:
        """Fork no more; the zygote exits once its last kernel has."""
        with self.lock:
            try:
                self._send(json.dumps({"op": "retire"}).encode())
            except OSError:
                pass

    def close(self) -> None:
        """End the zygote and every kernel it forked (closing the control socket is what tells it)."""
        try:
            self.ctl.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


_ZYGOTES: dict[tuple, Zygote] = {}
_RETIRED: list[Zygote] = []
_FAILED: dict[tuple, str] = {}
_LOCK = threading.Lock()
_FORKED: list[int] = []  # pids of the kernels this process forked (for tests and the benchmark)
_KILLED: list[int] = []  # pids of forked kernels the watchdog killed


def _key(python_argv: list[str], preload: list[str]) -> tuple:
    return tuple(python_argv), tuple(preload)


def _current(python_argv: list[str], preload: list[str]) -> Zygote | None:
    """This process's zygote for that interpreter and those imports, if it has one (alive or not)."""
    with _LOCK:
        return _ZYGOTES.get(_key(python_argv, preload))


def _zygote(python_argv: list[str], preload: list[str], env: dict, *, same_env: bool = False) -> Zygote:
    """This process's zygote for that interpreter and those imports: started, or replaced when dead or stale (or,
    with ``same_env``, imported in another environment)."""
    key = _key(python_argv, preload)
    with _LOCK:
        if key in _FAILED:
            raise ZygoteError(_FAILED[key])
        z = _ZYGOTES.get(key)
        if z is not None and z.borrowed:
            if z.alive() and z.env == _stable_env(env):
                return z
            _ZYGOTES.pop(key)  # the runner's zygote does not fit this worker: start its own
            z.ctl.close()
            z = None
        if z is not None and z.error and z.ready is None:  # it could not import: do not try again in this process
            _FAILED[key] = z.error
            raise ZygoteError(z.error)
        if z is not None and (not z.alive() or z.stale() or (same_env and z.env != _stable_env(env))):
            z.retire()
            _RETIRED.append(z)
            z = None
        if z is None:
            z = _ZYGOTES[key] = Zygote(python_argv, preload, env)
        return z


def shutdown_zygotes() -> None:
    """End every zygote this process started, and their kernels (also run at exit)."""
    with _LOCK:
        zygotes = [z for z in [*_ZYGOTES.values(), *_RETIRED] if z.owner == os.getpid()]
        _ZYGOTES.clear()
        _RETIRED.clear()
    for z in zygotes:
        z.close()


def _after_fork_in_child() -> None:
    """In a forked copy of this process (a pool worker): it may borrow the parent's current zygotes (its copy of
    the control socket closes when it exits), not the retired ones."""
    for z in _RETIRED:
        try:
            z.ctl.close()
        except OSError:
            pass
    _RETIRED.clear()
    _FORKED.clear()
    _KILLED.clear()


def release(zygote: Zygote | None) -> None:
    """End a zygote from :func:`studylib.runner.kernels.warm.prestart` once its run is over (and the workers that borrowed it have
    exited)."""
    if zygote is None or zygote.borrowed:
        return
    with _LOCK:
        for key, z in list(_ZYGOTES.items()):
            if z is zygote:
                del _ZYGOTES[key]
    zygote.close()


def forked_kernels() -> list[int]:
    """Process ids of the kernels this process started from a zygote (not the ordinary ones)."""
    return list(_FORKED)


class ForkedKernel:
    """The part of :class:`subprocess.Popen` that LocalProvisioner uses, for a kernel forked by the zygote.

    Its exit code comes from the zygote, which is its parent and reaps it: negative for a signal, as for Popen.
    """

    stdin = stdout = stderr = None

    def __init__(self, sock: socket.socket):
        self.sock = sock
        sock.setblocking(False)
        self.buffer = b""
        self.pid: int | None = None
        self.up = False
        self.returncode: int | None = None

    def _read(self) -> None:
        """Take in whatever the zygote and the kernel have written (non-blocking)."""
        while self.returncode is None:
            try:
                chunk = self.sock.recv(4096)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:  # the zygote has gone, and its kernels with it (they die with their parent)
                self.returncode = -signal.SIGKILL
                self.sock.close()
                return
            self.buffer += chunk
            while b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                msg = json.loads(line)
                if "pid" in msg:
                    self.pid = msg["pid"]
                elif "up" in msg:
                    self.up = True
                elif "exit" in msg:
                    self.returncode = msg["exit"]
                    self.sock.close()
                    return

    async def forked(self, timeout: float) -> bool:
        """Wait for the zygote to say it has forked (it may still be importing); False if it has not in time."""
        deadline = time.monotonic() + timeout
        while self.pid is None and self.returncode is None:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.005)
            self._read()
        return self.pid is not None

    async def exited(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.01)
        return True

    async def started(self, timeout: float) -> bool:
        """Wait until the kernel has bound its sockets; False if it has not in ``timeout`` seconds or has died."""
        deadline = time.monotonic() + timeout
        while True:
            self._read()
            if self.up or self.returncode is not None:
                return self.up and self.returncode is None
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.005)

    def poll(self) -> int | None:
        self._read()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            time.sleep(0.01)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, sig: int) -> None:
        if self.poll() is None and self.pid:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


atexit.register(shutdown_zygotes)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
