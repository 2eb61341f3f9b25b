"""The package's zip writer: pieces deflated in parallel make one stream any unzip reads."""

from __future__ import annotations

import io
import random
import zipfile
import zlib

import pytest

from deckbuilder import zipout
from deckbuilder.zipout import PIECE, Entry, deflate, write_zip


def sample(size: int) -> bytes:
    """Text-like data (compressible, with repeats across piece boundaries) plus random bytes."""
    rng = random.Random(7)
    words = [bytes(rng.choice(b"abcdefghij <>/") for _ in range(rng.randint(2, 9))) for _ in range(400)]
    text = b" ".join(rng.choice(words) for _ in range(size // 5))[:size - 4096]
    return text + rng.randbytes(4096)


@pytest.mark.parametrize("size", [0, 1, PIECE - 1, PIECE, PIECE + 1, 3 * PIECE + 12_345])
def test_deflate_is_one_stream_of_the_data(size):
    data = sample(size) if size > 4096 else bytes(range(256))[:size]
    packed = deflate(data, workers=3)
    assert zlib.decompress(packed, -15) == data
    if size <= PIECE:  # one piece: exactly zlib's own output
        packer = zlib.compressobj(zipout.LEVEL, zlib.DEFLATED, -15)
        assert packed == packer.compress(data) + packer.flush()


def test_deflate_is_the_same_on_any_machine_and_about_as_small():
    data = sample(5 * PIECE)
    one = deflate(data, workers=1)
    assert deflate(data, workers=2) == one == deflate(data, workers=8)
    packer = zlib.compressobj(zipout.LEVEL, zlib.DEFLATED, -15)
    single = packer.compress(data) + packer.flush()
    assert abs(len(one) - len(single)) <= len(single) / 100


def entries() -> list[Entry]:
    return [Entry("collection.anki2", compress=True, data=sample(2 * PIECE + 99)),
            Entry("media", compress=True, data=b'{"0": "d\xc3\xa9j\xc3\xa0.webp"}'),
            Entry("0", compress=False, data=b"RIFF\x00\x00WEBP" * 50),
            Entry("carte-\u00e9t\u00e9.txt", compress=True, data=b"")]


def write(items: list[Entry]) -> bytes:
    out = io.BytesIO()
    write_zip(out, items)
    return out.getvalue()


def test_zip_reads_back_with_zipfile_and_is_reproducible(tmp_path):
    items = entries()
    path = tmp_path / "media-file"
    path.write_bytes(b"\x89PNG not really" * 10)
    items.append(Entry("1", compress=False, path=str(path)))
    raw = write(items)
    assert raw == write(items)
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        assert archive.testzip() is None  # every CRC checks
        infos = archive.infolist()
        assert [i.filename for i in infos] == [e.name for e in items]
        assert [i.compress_type for i in infos] == [8, 8, 0, 8, 0]
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert {i.external_attr for i in infos} == {0o644 << 16}
        assert infos[3].flag_bits & 0x800  # a UTF-8 name says so
        assert [archive.read(e.name) for e in items] == [e.read() for e in items]


def test_past_the_plain_zip_limits_zipfile_writes_it(monkeypatch):
    monkeypatch.setattr(zipout, "PLAIN_LIMIT", (1 << 24) + 100)  # as if the entries were over 4 GiB
    items = entries()
    with zipfile.ZipFile(io.BytesIO(write(items))) as archive:
        assert archive.testzip() is None
        assert [archive.read(e.name) for e in items] == [e.read() for e in items]
