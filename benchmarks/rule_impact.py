"""How many files each classifier rule changes, across the fixtures and the shared corpora.

    python benchmarks/rule_impact.py snapshot OUT.json   # every file's verdict, for a later diff
    python benchmarks/rule_impact.py diff OLD.json NEW.json
    python benchmarks/rule_impact.py ablate [RULE ...]   # built-in phrase rules, one at a time

A file's verdict is its kind and the kind of each recipient. ``diff`` lists the files whose
verdict differs between two snapshots (take one before a change, e.g. from ``git archive`` of
the previous commit on ``PYTHONPATH``, and one after). ``ablate`` replaces each built-in phrase
rule in turn with one that never matches and counts the files whose verdict changes: a rule that
changes a single file is a rule for that file, which the project does not want. The corpora
are read in place (``../shared/corpora`` beside the checkout, or ``MSSC_SHARED``).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from mssc.replies import BUILTIN_RULES, Classification, Classifier, PhraseRule

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MSSC_SHARED", ROOT.parent / "shared"))
FOLDERS = (
    ROOT / "tests" / "fixtures" / "replies",
    SHARED / "corpora" / "bounces-dev",
    SHARED / "corpora" / "bounces-extra",
)


def files() -> list[Path]:
    """Every message (``.eml``, flufl's ``.txt``) of the fixtures and corpora, in a stable
    order."""
    out: list[Path] = []
    for folder in FOLDERS:
        if folder.is_dir():
            out.extend(
                p
                for p in sorted(folder.rglob("*"))
                if p.suffix in (".eml", ".txt") and p.stem.upper() not in _NOT_MAIL
            )
    return out


#: Files of the corpora that are not messages (licences, notes).
_NOT_MAIL = frozenset({"COPYING", "COPYING.LESSER", "LICENSE", "README"})


def verdict(result: Classification) -> str:
    """The kind of the message and of each recipient, as one comparable string."""
    kinds = ",".join(r.kind.value for r in result.recipients)
    return f"{result.kind.value}[{kinds}]"


def _name(path: Path) -> str:
    for folder in FOLDERS:
        if path.is_relative_to(folder):
            return f"{folder.name}/{path.relative_to(folder)}"
    return str(path)


def snapshot(classifier: Classifier, paths: list[Path]) -> dict[str, str]:
    """File name -> verdict."""
    return {_name(p): verdict(classifier.classify(p.read_bytes())) for p in paths}


def changed(old: dict[str, str], new: dict[str, str]) -> list[str]:
    """The files whose verdict differs, with both verdicts."""
    return [f"{k}: {old[k]} -> {new[k]}" for k in sorted(old) if k in new and old[k] != new[k]]


def main(argv: list[str]) -> int:
    """Run one of the commands of the module docstring."""
    if len(argv) >= 2 and argv[0] == "snapshot":
        data = snapshot(Classifier(), files())
        Path(argv[1]).write_text(json.dumps(data, indent=0, sort_keys=True), encoding="utf-8")
        print(f"{len(data)} files")
        return 0
    if len(argv) == 3 and argv[0] == "diff":
        old, new = (json.loads(Path(a).read_text(encoding="utf-8")) for a in argv[1:])
        lines = changed(old, new)
        print("\n".join(lines) if lines else "no verdict changed")
        print(f"{len(lines)} files changed")
        return 0
    if argv and argv[0] == "ablate":
        paths = files()
        base = snapshot(Classifier(), paths)
        wanted = set(argv[1:])
        for rule in BUILTIN_RULES:
            if wanted and rule.name not in wanted:
                continue
            off = PhraseRule(rule.name, rule.kind, (r"(?!x)x",), rule.diagnostic_only)
            diff = changed(base, snapshot(Classifier([off]), paths))
            print(f"{rule.name:28} {len(diff):4} files")
            for line in diff[:8]:
                print(f"    {line}")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
