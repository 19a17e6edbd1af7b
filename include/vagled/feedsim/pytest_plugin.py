"""pytest fixtures: a session feedsim and a factory for servers with other seeds, scales or faults.

Register with ``pytest_plugins = ["vagled.feedsim.pytest_plugin"]`` in tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from vagled.feedsim.server import FeedSim


@pytest.fixture(scope="session")
def feedsim() -> Iterator[FeedSim]:
    """A started FeedSim on a free port (seed 42, scale 0.05), shared by the session."""
    sim = FeedSim(port=0, seed=42).start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def feedsim_factory() -> Iterator[Callable[..., FeedSim]]:
    """Start FeedSims with other settings: ``feedsim_factory(seed=7, faults=["http_429:2"])``.

    Every server started through the factory is stopped when the test ends.
    """
    started: list[FeedSim] = []

    def make(**kwargs: Any) -> FeedSim:
        kwargs.setdefault("port", 0)
        sim = FeedSim(**kwargs).start()
        started.append(sim)
        return sim

    try:
        yield make
    finally:
        for sim in started:
            sim.stop()
