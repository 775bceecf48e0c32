"""check() on hostile messages: bounded work, and never an exception.

One case per attack family of issue 11, each at a size that took check() over 5 s (or crashed)
before the bounded reader. Each asserts the finding that names what stopped the reading, never a
time: speed lives in ``benchmarks/``.
"""

from __future__ import annotations

from collections.abc import Callable

HEAD = (
    b"Message-ID: <4f1c2a9e.attaque@chu-exemple.mssante.fr>\r\n"
    b"Date: Mon, 30 Nov 2026 14:00:00 +0100\r\n"
    b"From: Dr_Marie_MARTIN_Cardiologie <marie.martin@chu-exemple.mssante.fr>\r\n"
    b"To: 297022A02077878@patient.mssante.fr\r\n"
    b"X-MSS-NIL: DEV935997\r\n"
    b"MIME-Version: 1.0\r\n"
)
TEXT = b"Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour.\r\n"


def many_parts(n: int) -> bytes:
    """A multipart/mixed of ``n`` tiny parts (20,000 parts: 0.72 MB)."""
    part = b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    return (
        HEAD
        + b'Subject: parts\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        + part * n
        + b"--b--\r\n"
    )


def many_header_lines(n: int) -> bytes:
    """``n`` short header fields (200,000 lines: 2.7 MB)."""
    return HEAD + b"Subject: lines\r\n" + b"X-Note: abcd\r\n" * n + TEXT


def long_plain_subject(octets: int) -> bytes:
    """One unfolded Subject of ``"a "`` repeated (0.8 MB)."""
    return HEAD + b"Subject: " + b"a " * (octets // 2) + b"\r\n" + TEXT


def single_header(octets: int) -> bytes:
    """One header field of ``octets`` letters on one line (20 MB)."""
    return HEAD + b"Subject: x\r\nX-Long: " + b"a" * octets + b"\r\n" + TEXT


def folded_header(octets: int) -> bytes:
    """One header field of ``octets`` octets folded into 78-octet lines (12 MB)."""
    line = b"\r\n " + b"a" * 75
    return HEAD + b"Subject: x\r\nX-Folded: a" + line * (octets // len(line)) + b"\r\n" + TEXT


def rfc2231_sections(n: int) -> bytes:
    """An attachment whose name is split into ``n`` ``filename*N*`` sections."""
    params = b"".join(b";\r\n filename*%d*=%%41" % i for i in range(n))
    return (
        HEAD
        + b'Subject: x\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        + TEXT
        + b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment"
        + params
        + b"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
    )


def encoded_word_subject(n: int) -> bytes:
    """A Subject of ``n`` RFC 2047 encoded words (224 KB at n = 16,000)."""
    return HEAD + b"Subject: " + b"=?utf-8?q?a?= " * n + b"\r\n" + TEXT


def nested_parentheses(n: int) -> bytes:
    """A Content-Type parameter with ``n`` nested comments (RecursionError at ~300)."""
    return (
        HEAD
        + b"Subject: x\r\nContent-Type: text/plain; charset=utf-8; x="
        + b"(" * n
        + b"\r\n\r\nBonjour.\r\n"
    )


def nested_lines(depth: int, lines: int) -> bytes:
    """Text ``depth`` multiparts deep followed by ``lines`` short body lines."""
    out = [HEAD + b"Subject: x\r\n"]
    for i in range(depth):
        out.append(b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n' % (i, i))
    out.append(TEXT + b"x\r\n" * lines)
    return b"".join(out)


ATTACKS: dict[str, Callable[[], bytes]] = {
    "parts": lambda: many_parts(20_000),
    "header lines": lambda: many_header_lines(200_000),
    "plain subject": lambda: long_plain_subject(800_000),
    "single header": lambda: single_header(20_000_000),
    "folded header": lambda: folded_header(12_000_000),
    "rfc2231": lambda: rfc2231_sections(200_000),
    "encoded words": lambda: encoded_word_subject(16_000),
    "parentheses": lambda: nested_parentheses(300),
    "nesting x lines": lambda: nested_lines(50, 1_000_000),
}
