"""Run a command with everything it starts as one group, and stop the whole group on a signal.

`airflow standalone` (what `make airflow` runs) stops its components on Ctrl-C only: a SIGTERM
(`kill`, a service manager, `timeout`, make forwarding it) ended standalone alone and left the
scheduler, dag-processor, triggerer and api-server running. Here the command runs in a session of
its own; SIGINT, SIGTERM and SIGHUP ask it to stop the way Ctrl-C does, and whatever of its group
is still there after it exits (or after ``grace`` seconds) is terminated, then killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Sequence

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_group(pgid: int, grace: float = 10.0) -> None:
    """SIGTERM every process of the group, then SIGKILL what is left after ``grace`` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, sig)
        deadline = time.monotonic() + grace
        while _group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not _group_alive(pgid):
            return


def run_group(argv: Sequence[str], *, stop_signal: int = signal.SIGINT, grace: float = 30.0) -> int:
    """Run ``argv`` in its own session until it exits; on SIGINT/SIGTERM/SIGHUP send it ``stop_signal``.

    Returns its exit code (128 + the signal when a stop was asked). Nothing of its process group
    outlives this call.
    """
    process = subprocess.Popen(list(argv), start_new_session=True)
    stopping: list[tuple[int, float]] = []  # (signal, when) of the first stop request

    def ask_to_stop(signum: int, _frame) -> None:
        if not stopping:
            stopping.append((signum, time.monotonic()))
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, stop_signal)

    previous = {sig: signal.signal(sig, ask_to_stop) for sig in STOP_SIGNALS}
    try:
        while True:
            try:
                returncode = process.wait(timeout=1.0)
                break
            except subprocess.TimeoutExpired:
                if stopping and time.monotonic() - stopping[0][1] > grace:
                    # It did not stop in time: stop its whole group rather than wait for ever.
                    stop_group(process.pid, grace=5.0)
    finally:
        # The components it started are in its process group (its pid): none is left behind.
        stop_group(process.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 + stopping[0][0] if stopping else returncode
