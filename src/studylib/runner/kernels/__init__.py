"""The kernels the runner starts: how the runner talks to them and how many BLAS threads each may use.

Which kernel starts (warm or ordinary) is chosen in :mod:`.warm` (:func:`~.warm.kernel_name`); forked kernels are
served by the zygotes of :mod:`.pool` (each runs :mod:`.zygote`)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

__all__ = ["kernel_transport", "pid_alive", "MAX_IPC_PATH", "BLAS_THREAD_VARIABLES"]

# One thread each for the linear-algebra libraries of kernels that run side by side, one per core: the study's models
# are small, and threads of several kernels competing for the same cores cost CPU time (OpenBLAS's threads spin).
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


MAX_IPC_PATH = 90  # a Unix socket path must stay under ~104 bytes; leave room for the '-<port>' suffix


def kernel_transport() -> dict:
    """Talk to the kernel over Unix sockets in the user's private Jupyter runtime folder when possible.

    Over TCP (the default) ipykernel 7 warns on every start that its traffic is unencrypted on localhost; IPC
    sockets live in a folder only this user can open, so there is nothing to warn about. Falls back to TCP where
    ZeroMQ has no IPC (Windows) or the folder's path is too long for a socket.
    """
    import zmq
    from jupyter_core.paths import jupyter_runtime_dir

    if not zmq.has("ipc"):
        return {}
    runtime = Path(jupyter_runtime_dir())
    ip = runtime / f"studylib-{os.getpid()}-{uuid.uuid4().hex[:8]}-ipc"  # the pid: whose sockets these are
    if len(str(ip)) > MAX_IPC_PATH:
        return {}
    runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
    _remove_dead_sockets(runtime)
    from traitlets.config import Config

    return {"config": Config({"KernelManager": {"transport": "ipc", "ip": str(ip)}})}


def _remove_dead_sockets(runtime: Path) -> None:
    """Delete the IPC socket files of runs whose process is gone (killed: it could not clean up after its kernels)."""
    for path in runtime.glob("studylib-*-*-ipc-*"):
        try:
            pid = int(path.name.split("-")[1])
        except ValueError:
            continue
        if not pid_alive(pid):
            path.unlink(missing_ok=True)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs (as this user or another)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        pass
    return True
