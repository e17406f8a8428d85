"""Warm kernels: fork each notebook's kernel from a "zygote" process that has already imported the study's libraries.

A fresh kernel spends ~0.9 CPU-seconds starting and ~1.9 importing pandas, seaborn, statsmodels and matplotlib
before a notebook's first line. :class:`WarmProvisioner` is a jupyter_client kernel provisioner (registered under
``jupyter_client.kernel_provisioners`` as ``studylib-warm``) behind the kernel spec ``studylib-warm``
("Python (studylib, warm)"): the first kernel request starts a zygote (:mod:`studylib.zygote`) that imports the
stack once; every request forks it, and the child becomes an ordinary ipykernel with its own connection file,
process group and seeds - a fresh process per notebook, nothing shared between notebooks but read-only memory.

Anything the fork path cannot serve exactly as ``Popen`` would starts an ordinary kernel instead, with one log
line: another platform than Linux, a command that is not ``python -m ipykernel_launcher``, redirected streams, an
environment that differs from the zygote's, a zygote that fails to import, and - the watchdog - a forked kernel that
has not bound its sockets in time (it is killed). A zygote that dies, or whose interpreter's installed packages
change, is replaced; every zygote and its kernels end when the process that started it ends, even when killed.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from jupyter_client.provisioning import LocalProvisioner
from traitlets import Float, List, Unicode

__all__ = ["WarmProvisioner", "WARM_KERNEL", "COLD_KERNEL", "COLD_ENV", "PRELOAD", "kernel_name", "warm_unavailable",
           "announce", "install_kernel_spec", "forked_kernels", "prestart", "release", "shutdown_zygotes"]

WARM_KERNEL = "studylib-warm"
COLD_KERNEL = "studylib"
PROVISIONER = "studylib-warm"
COLD_ENV = "STUDYLIB_COLD_KERNELS"  # set (to anything but "" or "0") to run ordinary kernels; --cold-kernels sets it
# What the study's kernels import on opening (through studylib and their own imports); the zygote imports it once.
PRELOAD = ["numpy", "pandas", "pyarrow", "yaml", "scipy.stats", "matplotlib", "matplotlib.pyplot", "seaborn",
           "statsmodels.api", "statsmodels.formula.api", "IPython.display"]
ZYGOTE_SCRIPT = str(Path(__file__).resolve().with_name("zygote.py"))
# Variables that may differ between kernels forked from one zygote (each kernel still gets its own value): set by
# jupyter_client for each kernel, and by pytest for each test (notebooks run from a test suite). No library reads
# them at import.
PER_KERNEL_ENV = frozenset({"JPY_PARENT_PID", "JPY_SESSION_NAME", "PYTEST_CURRENT_TEST"})
# Popen keywords the fork path serves as Popen would; anything else (e.g. stdout=<file>) starts an ordinary kernel.
FORKABLE = frozenset({"env", "cwd", "kernel_id", "extra_arguments", "stdin", "stdout", "stderr"})


# ------------------------------------------------------------------------------------ choosing the kernel


def warm_unavailable() -> str | None:
    """Why this process cannot use warm kernels (one sentence), or ``None`` when it can."""
    if os.environ.get(COLD_ENV, "") not in ("", "0"):
        return f"ordinary kernels ({COLD_ENV} is set)"
    if sys.platform != "linux" or not hasattr(os, "fork"):
        why = "macOS, where forking after system frameworks are loaded is unsafe" if sys.platform == "darwin" \
            else f"{sys.platform}, which has no fork"
        return f"ordinary kernels: warm kernels need Linux and this is {why}"
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(WARM_KERNEL)
    except NoSuchKernel:
        return f"ordinary kernels: the kernel spec '{WARM_KERNEL}' is not installed (make installs it)"
    from jupyter_client.provisioning import KernelProvisionerFactory

    if not KernelProvisionerFactory.instance()._check_availability(
            spec.metadata.get("kernel_provisioner", {}).get("provisioner_name", "")):
        return (f"ordinary kernels: the provisioner '{PROVISIONER}' is not registered "
                "(pip install -e . registers it)")
    return None


def kernel_name() -> str:
    """The kernel the runner starts: warm where it can, else 'studylib' (installed by make), else 'python3'."""
    if warm_unavailable() is None:
        return WARM_KERNEL
    from jupyter_client.kernelspec import KernelSpecManager

    return COLD_KERNEL if COLD_KERNEL in KernelSpecManager().find_kernel_specs() else "python3"


_ANNOUNCED = []


def announce(file=None) -> None:
    """Say once per process, on one line, when the runner falls back to ordinary kernels (not when asked to)."""
    reason = warm_unavailable()
    if reason and not _ANNOUNCED and os.environ.get(COLD_ENV, "") in ("", "0"):
        _ANNOUNCED.append(reason)
        print(f"studylib: {reason}", file=file or sys.stderr)


def install_kernel_spec(*, prefix: str | None = None, user: bool = False, python: str | None = None) -> str:
    """Install the 'studylib-warm' kernel spec ("Python (studylib, warm)") for this interpreter; return its folder.

    ``prefix`` defaults to this environment (``sys.prefix``, as ``ipykernel install --sys-prefix``).
    """
    import tempfile

    from jupyter_client.kernelspec import KernelSpecManager

    spec = {
        "argv": [python or sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f",
                 "{connection_file}"],
        "display_name": "Python (studylib, warm)",
        "language": "python",
        "interrupt_mode": "signal",
        "metadata": {"debugger": True,
                     "kernel_provisioner": {"provisioner_name": PROVISIONER, "config": {"preload": PRELOAD}}},
        "kernel_protocol_version": "5.5",
    }
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
        return KernelSpecManager().install_kernel_spec(tmp, WARM_KERNEL, user=user,
                                                       prefix=None if user else (prefix or sys.prefix))


# ---------------------------------------------------------------------------------------- the zygotes


def _stable_env(env: dict) -> dict:
    return {k: v for k, v in env.items() if k not in PER_KERNEL_ENV}


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


def _zygote(python_argv: list[str], preload: list[str], env: dict, *, same_env: bool = False) -> Zygote:
    """This process's zygote for that interpreter and those imports: started, or replaced when dead or stale (or,
    with ``same_env``, imported in another environment)."""
    key = (tuple(python_argv), tuple(preload))
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


def prestart(env_defaults: dict | None = None) -> Zygote | None:
    """Start the warm kernels' zygote now, in this process, for pool workers forked from it to share.

    ``env_defaults`` are variables the workers will set where unset (so that their kernels' environment is the
    zygote's). Returns the zygote (for :func:`release`), or ``None`` when warm kernels are not in use here.
    """
    if warm_unavailable() is not None:
        return None
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec(WARM_KERNEL)
    if "-m" not in spec.argv:
        return None
    config = spec.metadata.get("kernel_provisioner", {}).get("config", {})
    env = {**(env_defaults or {}), **os.environ, **(spec.env or {})}
    env.pop("PYTHONEXECUTABLE", None)  # as jupyter_client does for Python kernels
    try:
        return _zygote(spec.argv[:spec.argv.index("-m")], list(config.get("preload", PRELOAD)), env, same_env=True)
    except ZygoteError:
        return None


def release(zygote: Zygote | None) -> None:
    """End a zygote from :func:`prestart` once its run is over (and the workers that borrowed it have exited)."""
    if zygote is None or zygote.borrowed:
        return
    with _LOCK:
        for key, z in list(_ZYGOTES.items()):
            if z is zygote:
                del _ZYGOTES[key]
    zygote.close()


import atexit  # noqa: E402

atexit.register(shutdown_zygotes)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


_FORKED: list[int] = []  # pids of the kernels this process forked (for tests and the benchmark)
_KILLED: list[int] = []  # pids of forked kernels the watchdog killed


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


# ---------------------------------------------------------------------------------------- the provisioner


class WarmProvisioner(LocalProvisioner):
    """Start each kernel by forking a zygote that has imported :attr:`preload`; an ordinary kernel otherwise."""

    preload = List(Unicode(), default_value=PRELOAD, config=True,
                   help="Modules the zygote imports once, before it forks kernels.")
    watchdog_seconds = Float(20.0, config=True,
                             help="A forked kernel that has not bound its sockets by then is killed and started the "
                                  "ordinary way (the rare deadlock of a lock held at fork time).")
    zygote_timeout = Float(120.0, config=True, help="How long the zygote may take to import before it is given up.")

    async def launch_kernel(self, cmd: list[str], **kwargs):
        kw = LocalProvisioner._scrub_kwargs(kwargs)
        why = self._cannot_fork(cmd, kwargs)
        if why is None:
            try:
                return await self._launch_forked(cmd, kwargs)
            except ZygoteError as exc:
                why = str(exc)
        self.log.info("studylib-warm: starting an ordinary kernel: %s", why)
        return await super().launch_kernel(cmd, **kw)

    @staticmethod
    def _cannot_fork(cmd: list[str], kwargs: dict) -> str | None:
        if sys.platform != "linux" or not hasattr(os, "fork"):
            return "warm kernels need Linux"
        if set(kwargs) - FORKABLE or any(kwargs.get(k) is not None for k in ("stdin", "stdout", "stderr")):
            return "the kernel's streams are redirected"
        if "-m" not in cmd or cmd[cmd.index("-m") + 1:cmd.index("-m") + 2] != ["ipykernel_launcher"]:
            return "the kernel command is not 'python -m ipykernel_launcher'"
        return None

    async def _launch_forked(self, cmd: list[str], kwargs: dict):
        i = cmd.index("-m")
        python_argv, args = cmd[:i], cmd[i + 2:]
        env = dict(kwargs.get("env") or os.environ)
        zygote = _zygote(python_argv, list(self.preload), env)
        if not zygote.borrowed:  # a borrowed one answers the request once its imports are done
            await zygote.wait_ready(self.zygote_timeout)
        if _stable_env(env) != zygote.env:
            changed = sorted(k for k in (set(env) | set(zygote.env)) - PER_KERNEL_ENV if env.get(k) != zygote.env.get(k))
            raise ZygoteError(f"its environment differs from the zygote's ({', '.join(changed[:5])})")
        cwd = str(kwargs.get("cwd") or os.getcwd())
        kernel = zygote.fork(args, env, cwd)
        if not await kernel.forked(self.zygote_timeout):
            raise ZygoteError("the zygote did not fork (it has exited or is stuck)")
        if not await kernel.started(self.watchdog_seconds) and kernel.returncode is None:
            for kill in (os.killpg, os.kill):  # its group, or itself if it has not called setsid() yet
                try:
                    kill(kernel.pid, signal.SIGKILL)
                except OSError:
                    pass
            await kernel.exited(10)
            _KILLED.append(kernel.pid)
            raise ZygoteError(f"the forked kernel did not come up in {self.watchdog_seconds:g} s (killed)")
        if kernel.returncode is not None:
            raise ZygoteError(f"the forked kernel exited at start-up (status {kernel.returncode})")
        self.process = kernel
        self.pid = self.pgid = kernel.pid  # the kernel called setsid(): its pid is its process group
        self.cwd = cwd
        _FORKED.append(kernel.pid)
        return self.connection_info


def main(argv: list[str] | None = None) -> int:
    """``python -m studylib.warm install [--user] [--prefix DIR]``: install the warm kernel spec."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m studylib.warm", description="Install the warm kernel spec.")
    parser.add_argument("action", choices=["install"])
    parser.add_argument("--user", action="store_true", help="for this user rather than this environment")
    parser.add_argument("--prefix", default=None, help="install under this prefix (default: sys.prefix)")
    args = parser.parse_args(argv)
    print(install_kernel_spec(prefix=args.prefix, user=args.user))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
