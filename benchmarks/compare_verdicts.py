"""Every verdict of classify and parse_patient_message, dumped or compared with a dump.

    python benchmarks/compare_verdicts.py dump OUT.json [CORPUS_DIR ...]
    python benchmarks/compare_verdicts.py compare BEFORE.json AFTER.json

``dump`` reads every ``.eml`` of ``tests/fixtures`` and of the corpora (default
``../shared/corpora/bounces-dev`` and ``bounces-extra``), each as it is and with CRLF line
ends, and writes ``classify(raw).to_dict()`` and ``parse_patient_message(raw).to_dict()``.
Run it with the code before a change (``PYTHONPATH=old/src``) and after, then ``compare``: it
prints every file whose results differ, field by field, and exits 1 when one does. A change
of speed must change no verdict.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORPORA = [
    ROOT.parent / "shared" / "corpora" / "bounces-dev",
    ROOT.parent / "shared" / "corpora" / "bounces-extra",
]


def _files(dirs: list[Path]) -> list[Path]:
    found: list[Path] = sorted((ROOT / "tests" / "fixtures").rglob("*.eml"))
    for d in dirs:
        found.extend(sorted(p for p in d.rglob("*") if p.is_file()))
    return found


def _name(path: Path) -> str:
    """A file's key: relative to the checkout (its folder's name left out, so that dumps made
    in two checkouts compare), or for the corpora beside it, to the folder above."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path.relative_to(ROOT.parent))


def dump(out: Path, dirs: list[Path]) -> int:
    from mssc.inbound import parse_patient_message
    from mssc.replies import classify

    results: dict[str, Any] = {}
    for path in _files(dirs):
        raw = path.read_bytes()
        for variant, data in (
            ("", raw),
            ("crlf", raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")),
        ):
            key = f"{_name(path)}{'#' + variant if variant else ''}"
            results[key] = {
                "classify": classify(data).to_dict(),
                "parse": parse_patient_message(data).to_dict(),
            }
    out.write_text(json.dumps(results, sort_keys=True, ensure_ascii=False, indent=0))
    print(f"{len(results)} results written to {out}")
    return 0


def _diff(a: Any, b: Any, path: str, out: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            _diff(a.get(k), b.get(k), f"{path}.{k}", out)
    elif a != b:
        out.append(
            f"  {path}: {json.dumps(a, ensure_ascii=False)[:160]} -> "
            f"{json.dumps(b, ensure_ascii=False)[:160]}"
        )


def compare(before: Path, after: Path) -> int:
    a = json.loads(before.read_text())
    b = json.loads(after.read_text())
    changed = 0
    for key in sorted(set(a) | set(b)):
        lines: list[str] = []
        _diff(a.get(key), b.get(key), "", lines)
        if lines:
            changed += 1
            print(key)
            print("\n".join(lines))
    print(f"{len(a)} before, {len(b)} after, {changed} differ")
    return 1 if changed else 0


def main() -> int:
    if len(sys.argv) >= 3 and sys.argv[1] == "dump":
        dirs = [Path(p) for p in sys.argv[3:]] or [d for d in CORPORA if d.is_dir()]
        return dump(Path(sys.argv[2]), dirs)
    if len(sys.argv) == 4 and sys.argv[1] == "compare":
        return compare(Path(sys.argv[2]), Path(sys.argv[3]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
