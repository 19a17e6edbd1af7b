"""read_ahead: a producer thread a few items ahead of the consumer, order and errors kept."""

from __future__ import annotations

import threading

import pytest

from vagled.pipeline.extract import read_ahead


def test_every_item_arrives_in_order():
    assert list(read_ahead(iter(range(1000)), depth=3)) == list(range(1000))


def test_a_producer_error_is_raised_at_its_place():
    def items():
        yield 1
        yield 2
        raise ValueError("corrupt member")

    seen = []
    with pytest.raises(ValueError, match="corrupt member"):
        for item in read_ahead(items()):
            seen.append(item)
    assert seen == [1, 2]


def test_a_consumer_that_stops_early_stops_and_closes_the_producer():
    produced = []
    closed = threading.Event()

    def items():
        try:
            for n in range(10_000):
                produced.append(n)
                yield n
        finally:
            closed.set()

    ahead = read_ahead(items(), depth=2)
    assert next(ahead) == 0
    ahead.close()
    assert closed.is_set(), "the producer's generator was closed"
    assert len(produced) <= 5, "the producer stays at most depth items ahead"
    assert not any(thread.name == "read-ahead" for thread in threading.enumerate())
