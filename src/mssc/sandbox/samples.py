"""Small, valid sample documents made in code: what a patient attaches in the sandbox and demo.

>>> from mssc.attachments import sniff_media_type
>>> sniff_media_type(sample_pdf("Profil médical")), sniff_media_type(sample_png())
('application/pdf', 'image/png')
"""

from __future__ import annotations

import struct
import zlib

__all__ = ["sample_pdf", "sample_png"]


def sample_pdf(title: str, lines: tuple[str, ...] = ()) -> bytes:
    """A one-page PDF showing ``title`` and ``lines`` (Latin-1 text; others become ``?``)."""

    def text(value: str) -> bytes:
        raw = value.encode("latin-1", "replace")
        return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")

    shown = [b"BT /F1 18 Tf 72 720 Td (" + text(title) + b") Tj ET"]
    shown += [
        b"BT /F1 11 Tf 72 %d Td (" % (690 - 16 * i) + text(line) + b") Tj ET"
        for i, line in enumerate(lines[:40])
    ]
    stream = b"\n".join(shown)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def sample_png(width: int = 48, height: int = 64) -> bytes:
    """A valid greyscale PNG (a stand-in for an ID photo): a light oval on a dark ground."""
    rows = bytearray()
    cx, cy = width / 2, height / 2
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            inside = ((x - cx) / (width * 0.35)) ** 2 + ((y - cy) / (height * 0.4)) ** 2 <= 1
            rows.append(220 if inside else 40)

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows)))
        + chunk(b"IEND", b"")
    )
