"""Row digests of the CSV reader: the same for a row read whole, read alone and hashed unread (the three passes of a
re-import), and a row spanning lines is refused by the one-line reader."""

from __future__ import annotations

import pytest

from geo_portal.ingest.csvio import (
    MultiLineRow,
    first_line_of_digests,
    line_digest,
    line_digests,
    read_csv,
    read_csv_lines,
)

SALT = b"0123456789abcdef0123456789abcdef"


def test_digests_agree_between_the_full_reader_the_line_reader_and_the_unread_pass(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes('\ufeffaddress,x\r\n光復路1號,1\r\n"光復路2號, 2樓",2\r\n光復路3號,3\n'.encode())
    _, rows = read_csv(path, digest_salt=SALT)
    full = list(rows)
    assert [(n, f) for n, f, _ in full] == [(2, ["光復路1號", "1"]), (3, ["光復路2號, 2樓", "2"]), (4, ["光復路3號", "3"])]
    assert full[0][2] == line_digest(SALT, "光復路1號,1".encode())
    assert [(n, d) for n, _, d in full] == list(line_digests(path, SALT))
    assert list(read_csv_lines(path, {3, 4}, salt=SALT)) == full[1:]


def test_a_row_spanning_lines_is_refused_by_the_line_reader_and_digested_whole(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes('address,x\n"光復路\n1號",1\n光復路2號,2\n'.encode())
    _, rows = read_csv(path, digest_salt=SALT)
    first, second = list(rows)
    assert (first[0], first[1], first[2]) == (3, ["光復路\n1號", "1"], line_digest(SALT, '"光復路\n1號",1'.encode()))
    assert second[0] == 4
    with pytest.raises(MultiLineRow):
        list(read_csv_lines(path, {2, 3}, salt=SALT))
    assert list(read_csv_lines(path, {4}, salt=SALT)) == [second]


def test_the_in_memory_first_pass_maps_each_digest_to_its_first_line_and_refuses_past_its_limit(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes("address,x\r\n光復路1號,1\r\n光復路2號,2\r\n光復路1號,1\n光復路3號,3".encode())
    first, lines = first_line_of_digests(path, SALT, limit=4)
    assert lines == 4
    # The repeated row (line 4, its line ending aside the same bytes as line 2) keeps line 2; digests as line_digest's.
    digest = {n: bytes.fromhex(line_digest(SALT, f"光復路{n}號,{n}".encode())) for n in (1, 2, 3)}
    assert first == {digest[1]: 2, digest[2]: 3, digest[3]: 5}
    assert first_line_of_digests(path, SALT, limit=3) is None
    header_only = tmp_path / "h.csv"
    header_only.write_bytes(b"address,x\n")
    assert first_line_of_digests(header_only, SALT, limit=3) == ({}, 0)


@pytest.mark.parametrize("block", [1, 2, 7, 64, 1 << 20])
def test_the_first_pass_reads_in_blocks_the_same_lines_as_the_line_by_line_digests(tmp_path, monkeypatch, block):
    """Blocks end anywhere (inside a line, between CR and LF, inside a multi-byte character); empty lines, stray
    carriage returns and a last line without a line feed are lines all the same."""
    from geo_portal.ingest import csvio

    path = tmp_path / "p.csv"
    body = "address,x\r\n光復路1號,1\r\n\n光復路2號,2\r\r\n\r\n光復路1號,1\n光復路3號,3\r"
    path.write_bytes(body.encode())
    monkeypatch.setattr(csvio, "_BLOCK_BYTES", block)
    first, lines = first_line_of_digests(path, SALT, limit=10)
    by_line = list(line_digests(path, SALT))
    assert lines == len(by_line) == 6
    expected: dict[bytes, int] = {}
    for line_no, digest in by_line:
        expected.setdefault(bytes.fromhex(digest), line_no)
    assert first == expected
    assert sorted(first.values()) == [2, 3, 4, 7]  # line 5 ("\r") is empty as line 3 is; line 6 repeats line 2
    assert first_line_of_digests(path, SALT, limit=5) is None
