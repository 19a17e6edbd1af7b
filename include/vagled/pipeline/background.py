"""Run a function in a forked child process while this process goes on; collect its result later.

Why: staging a large batch is parsing, COPY and validation in one Python process, on one core,
while PostgreSQL's share of staging is small and the machine's other core idles. Validating a
chunk needs nothing from the parse of the next one, so a child forked once a chunk is complete
validates it while the parent parses the next. The child sees the chunk and the Great Expectations
context through the fork (copy-on-write: nothing is serialised on the way in) and sends back only
its result, pickled through a pipe.

What keeps the child harmless: it uses no connection or socket of the parent, writes no log (the
parent's handlers may be a task runner's socket), restores default signal handlers (a task's
SIGTERM handler belongs to the parent) and leaves with ``os._exit``, so no finaliser, ``atexit``
hook or buffered output of the parent runs twice. Where ``os.fork`` does not exist, or when
``VAGLED_NO_FORK`` is set, the function simply runs at once, in this process.
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import signal
import time
import warnings
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

# Children that sent their result but may not have exited yet (see Background.result).
_UNREAPED: list[int] = []


def fork_available() -> bool:
    """Whether work can go to a forked child here (POSIX, and not switched off by VAGLED_NO_FORK)."""
    return hasattr(os, "fork") and not os.environ.get("VAGLED_NO_FORK")


class Background:
    """``fn()`` running in a forked child (or run at once when forking is not available).

    ``result()`` returns what ``fn`` returned, or raises what it raised, with the seconds it took.
    """

    def __init__(self, fn: Callable[[], Any], *, fork: bool = True) -> None:
        self._pid: int | None = None
        self._read_fd: int | None = None
        self._outcome: tuple[str, Any, float] | None = None
        if not (fork and fork_available()):
            self._outcome = _call(fn)
            return
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            os.close(read_fd)
            _child(fn, write_fd)  # never returns
        os.close(write_fd)
        self._pid, self._read_fd = pid, read_fd

    def result(self) -> tuple[Any, float]:
        """Wait for the child; return (fn's result, seconds fn took), or raise fn's exception.

        Raises:
            RuntimeError: the child died before it sent a result (killed, out of memory).
        """
        if self._outcome is None:
            assert self._read_fd is not None and self._pid is not None
            with os.fdopen(self._read_fd, "rb") as pipe:
                payload = pipe.read()
            try:
                self._outcome = pickle.loads(payload)
            except Exception:
                _, status = os.waitpid(self._pid, 0)
                raise RuntimeError(
                    f"the background process {self._pid} ended without a result "
                    f"(exit status {os.waitstatus_to_exitcode(status)})"
                ) from None
            # The whole result is here. Tearing down a child that shares a large address space
            # takes a while: reap it later rather than wait for it now.
            _UNREAPED.append(self._pid)
            reap()
        kind, value, seconds = self._outcome
        if kind == "error":
            raise value
        return value, seconds

    def abandon(self) -> None:
        """Stop a child whose result is no longer wanted (the work failed elsewhere) and reap it."""
        if self._pid is not None and self._outcome is None:
            try:
                os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            if self._read_fd is not None:
                os.close(self._read_fd)
            self._outcome = ("error", RuntimeError("abandoned"), 0.0)


def reap(*, wait: bool = False) -> None:
    """Collect the exit of children whose results were taken (``wait``: block until all are gone)."""
    for pid in list(_UNREAPED):
        try:
            done, _ = os.waitpid(pid, 0 if wait else os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            _UNREAPED.remove(pid)


def _call(fn: Callable[[], Any]) -> tuple[str, Any, float]:
    started = time.monotonic()
    try:
        return "ok", fn(), time.monotonic() - started
    except Exception as exc:
        return "error", exc, time.monotonic() - started


def _child(fn: Callable[[], Any], write_fd: int) -> None:
    code = 0
    try:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        # A collection would walk (and so copy) every page shared with the parent; reference
        # counting frees what the function drops.
        gc.disable()
        logging.disable(logging.CRITICAL)
        warnings.simplefilter("ignore")
        outcome = _call(fn)
        try:
            payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an exception or result that does not pickle: say what it was
            payload = pickle.dumps(("error", RuntimeError(f"{outcome[1]!r} (not picklable: {exc})"), outcome[2]))
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(payload)
    except BaseException:
        code = 1
    finally:
        os._exit(code)
