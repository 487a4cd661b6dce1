"""A minimal valid PNG for the fake image models of the tests and benchmarks (no Pillow needed)."""

from __future__ import annotations

import struct
import zlib


def tiny_png() -> bytes:
    """A 1x1 RGB PNG: signature, IHDR, IDAT and IEND chunks with correct CRCs."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\0\0\0")) + chunk(b"IEND", b"")
    )
