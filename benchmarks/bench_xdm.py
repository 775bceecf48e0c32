"""Benchmark mssc.xdm against plain zipfile writing and reading the same files, in one run.

Build and read an IHE_XDM.zip of about 20 MB of CDA (4 niveau 1 CDAs, each wrapping a 3.7 MB
PDF of random bytes). The anchor is the stdlib's zipfile writing the very same entries (README,
INDEX, METADATA, the CDAs) with the same compression, then reading them back. mssc does more on
top: it parses each CDA header (bounded expat), writes the metadata, and on reading verifies
every SHA-1 and size. Peak memory is measured with tracemalloc, started after the inputs exist.

Run: python benchmarks/bench_xdm.py
"""

from __future__ import annotations

import io
import os
import time
import tracemalloc
import zipfile
from collections.abc import Callable

from mssc.cda import CdaId
from mssc.testing.documents import TEST_ORGANISATION, TEST_WHEN, make_cda
from mssc.xdm import Document, Submission, build_xdm, read_xdm

SUBMISSION = Submission(
    author_institution=TEST_ORGANISATION,
    submission_time=TEST_WHEN,
    unique_id="1.2.250.1.999.7.1",
    source_id="1.2.250.1.999.7",
)


def inputs() -> list[bytes]:
    return [
        make_cda(
            pdf=b"%PDF-1.7\n" + os.urandom(3_700_000),
            document_id=CdaId("1.2.250.1.999.1", str(n)),
        )
        for n in range(4)
    ]


def with_mssc_build(cdas: list[bytes]) -> bytes:
    return build_xdm([Document(cda=c) for c in cdas], submission=SUBMISSION)


def with_zipfile_build(files: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files:
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return out.getvalue()


def with_zipfile_read(data: bytes) -> list[bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [archive.read(info) for info in archive.infolist()]


def measure(fn: Callable[[], object], repeat: int = 3) -> tuple[float, int]:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak


def row(what: str, mssc: tuple[float, int], anchor: tuple[float, int]) -> None:
    print(
        f"{what:<6} mssc {mssc[0] * 1000:7.1f} ms, peak {mssc[1] / 1e6:6.1f} MB | "
        f"zipfile {anchor[0] * 1000:7.1f} ms, peak {anchor[1] / 1e6:6.1f} MB | "
        f"time ratio {mssc[0] / anchor[0]:.2f}x, memory ratio {mssc[1] / max(anchor[1], 1):.2f}x"
    )


def main() -> None:
    cdas = inputs()
    archive = with_mssc_build(cdas)
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        files = [(i.filename, z.read(i)) for i in z.infolist()]
    payload = sum(len(c) for c in cdas)
    print(f"{len(cdas)} CDAs, {payload / 1e6:.1f} MB of CDA, archive {len(archive) / 1e6:.1f} MB")
    row("build", measure(lambda: with_mssc_build(cdas)), measure(lambda: with_zipfile_build(files)))
    row("read", measure(lambda: read_xdm(archive)), measure(lambda: with_zipfile_read(archive)))


if __name__ == "__main__":
    main()
