"""Work handed to a forked child: its result or its exception comes back, and nothing else leaks."""

from __future__ import annotations

import os
import time

import pytest

from vagled.pipeline.background import Background, fork_available

pytestmark = pytest.mark.unit

needs_fork = pytest.mark.skipif(not fork_available(), reason="os.fork is not available here")


@needs_fork
def test_the_child_sees_the_parents_data_and_returns_its_result():
    rows = [(n, f"annons {n}") for n in range(20_000)]
    parent = os.getpid()

    def work():
        rows.append((-1, "only in the child"))
        return os.getpid(), len(rows), rows[123]

    (child, seen, row), seconds = Background(work).result()
    assert child != parent
    assert (seen, row) == (20_001, (123, "annons 123"))
    assert len(rows) == 20_000, "what the child changes stays in the child"
    assert seconds > 0, "the child's run time is measured"


@needs_fork
def test_an_exception_in_the_child_is_raised_in_the_parent():
    def work():
        raise ValueError("kolumnen saknas: ssyk4")

    background = Background(work)
    with pytest.raises(ValueError, match="kolumnen saknas: ssyk4"):
        background.result()


@needs_fork
def test_a_child_that_dies_without_a_result_is_an_error():
    background = Background(lambda: os._exit(3))
    with pytest.raises(RuntimeError, match="without a result"):
        background.result()


@needs_fork
def test_an_abandoned_child_is_stopped_and_reaped():
    background = Background(lambda: time.sleep(600))
    pid = background._pid
    background.abandon()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_without_fork_the_work_runs_in_place(monkeypatch):
    monkeypatch.setenv("VAGLED_NO_FORK", "1")
    assert Background(os.getpid).result()[0] == os.getpid()
    assert Background(os.getpid, fork=False).result()[0] == os.getpid()
