"""The extract task's slicing of a streamed JSONL file: whole lines, about one slice in memory."""

from __future__ import annotations

from vagled.pipeline.extract import line_slices


def _blocks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_slices_end_at_line_ends_and_put_the_stream_back_together():
    lines = [f'{{"id": {n}, "text": "{"x" * (n % 37)}"}}\n'.encode() for n in range(500)]
    data = b"".join(lines)
    slices = list(line_slices(_blocks(data, 97), slice_bytes=1000))
    assert b"".join(slices) == data
    assert all(piece.endswith(b"\n") for piece in slices)
    # cut at the last line end once 1000 bytes have gathered: short of it by less than a line
    longest = max(map(len, lines))
    assert all(1000 - longest < len(piece) <= 1000 + 97 for piece in slices[:-1])
    assert len(slices) > 10


def test_a_line_longer_than_a_slice_stays_whole_and_the_unterminated_rest_comes_last():
    long_line = b"{" + b"y" * 5000 + b"}\n"
    data = b'{"a": 1}\n' + long_line + b'{"b": 2}'
    slices = list(line_slices(_blocks(data, 64), slice_bytes=100))
    assert b"".join(slices) == data
    assert any(long_line in piece for piece in slices)
    assert slices[-1].endswith(b'{"b": 2}')


def test_an_empty_stream_gives_no_slice():
    assert list(line_slices([], slice_bytes=10)) == []
