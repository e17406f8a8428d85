"""Warm kernels: fork each notebook's kernel from a "zygote" process that has already imported the study's libraries.

A fresh kernel spends ~0.9 CPU-seconds starting and ~1.9 importing pandas, seaborn, statsmodels and matplotlib
before a notebook's first line. :class:`WarmProvisioner` is a jupyter_client kernel provisioner (registered under
``jupyter_client.kernel_provisioners`` as ``studylib-warm``) behind the kernel spec ``studylib-warm``
("Python (studylib, warm)"): the first kernel request starts a zygote (:mod:`studylib.runner.kernels.zygote`) that imports the
stack once; every request forks it, and the child becomes an ordinary ipykernel with its own connection file,
process group and seeds - a fresh process per notebook, nothing shared between notebooks but read-only memory.

Anything the fork path cannot serve exactly as ``Popen`` would starts an ordinary kernel instead, with one log
line: another platform than Linux, a command that is not ``python -m ipykernel_launcher``, redirected streams, an
environment that differs from the zygote's, a zygote that fails to import, and - the watchdog - a forked kernel that
has not bound its sockets in time (it is killed). A zygote that dies, or whose interpreter's installed packages
change, is replaced; every zygote and its kernels end when the process that started it ends, even when killed.

This module chooses the kernel, installs the kernel spec and is the provisioner (``python -m studylib.runner.kernels.warm install``);
:mod:`studylib.runner.kernels.pool` keeps the runner's zygotes and forks the kernels from them.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from jupyter_client.provisioning import LocalProvisioner
from traitlets import Float, List, Unicode

# Importable from here as before: the zygotes' public functions, and what the tests inspect.
from .pool import (_FORKED, _KILLED, _ZYGOTES, PER_KERNEL_ENV, ForkedKernel, Zygote, ZygoteError,  # noqa: F401
                   _current, _stable_env, _zygote, forked_kernels, release, shutdown_zygotes)

__all__ = ["WarmProvisioner", "WARM_KERNEL", "COLD_KERNEL", "COLD_ENV", "PRELOAD", "kernel_name", "warm_unavailable",
           "announce", "install_kernel_spec", "forked_kernels", "prestart", "release", "shutdown_zygotes"]

WARM_KERNEL = "studylib-warm"
COLD_KERNEL = "studylib"
PROVISIONER = "studylib-warm"
COLD_ENV = "STUDYLIB_COLD_KERNELS"  # set (to anything but "" or "0") to run ordinary kernels; --cold-kernels sets it
# What the study's kernels import on opening (through studylib and their own imports); the zygote imports it once.
# statsmodels: the modules studylib uses (covtype: what a fit imports for its standard errors), not statsmodels.api,
# whose time-series, state-space and graphics modules no notebook uses (~0.2 CPU-seconds of every zygote's start).
# The last three are what studylib loads for every run's tables (.tex through pandas' Styler, with jinja2), its
# references (citeproc) and its specification curves: ~50 ms a kernel.
PRELOAD = ["numpy", "pandas", "pyarrow", "yaml", "scipy.stats", "matplotlib", "matplotlib.pyplot", "seaborn",
           "statsmodels.formula.api", "statsmodels.base.covtype", "statsmodels.stats.multitest",
           "statsmodels.stats.inter_rater", "IPython.display", "pandas.io.formats.style", "citeproc",
           "mpl_toolkits.axes_grid1"]
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


def prestart(env_defaults: dict | None = None) -> Zygote | None:
    """Start the warm kernels' zygote now, in this process, for pool workers forked from it to share.

    ``env_defaults`` are variables the workers will set where unset (so that their kernels' environment is the
    zygote's). Returns the zygote it started (for :func:`release`), or ``None`` when warm kernels are not in use
    here or when this process's own zygote (an earlier run's, in the same environment) serves the workers: that one
    stays, for the process's next run.
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
    python_argv, preload = spec.argv[:spec.argv.index("-m")], list(config.get("preload", PRELOAD))
    before = _current(python_argv, preload)
    try:
        zygote = _zygote(python_argv, preload, env, same_env=True)
    except ZygoteError:
        return None
    return None if zygote is before else zygote


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
        wanted = _stable_env(env)
        if wanted != zygote.env:
            changed = sorted(k for k in wanted.keys() | zygote.env.keys() if wanted.get(k) != zygote.env.get(k))
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
    """``python -m studylib.runner.kernels.warm install [--user] [--prefix DIR]``: install the warm kernel spec."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m studylib.runner.kernels.warm", description="Install the warm kernel spec.")
    parser.add_argument("action", choices=["install"])
    parser.add_argument("--user", action="store_true", help="for this user rather than this environment")
    parser.add_argument("--prefix", default=None, help="install under this prefix (default: sys.prefix)")
    args = parser.parse_args(argv)
    print(install_kernel_spec(prefix=args.prefix, user=args.user))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
