"""Corpus test: ../shared/corpora/bounces-extra (flufl.bounce's and Delta Chat's samples), read in
place, scored against our own labels (tests/corpus_labels/bounces-extra.tsv).

The corpus comes unlabelled. Each label row names a failed recipient that we checked by eye,
with sisimai as a second opinion (the note says where they differ and why we chose). The test
prints precision and recall per class over the labelled rows and asserts the scores reached,
so that a change cannot lower them unseen; Delta Chat's ordinary messages (attachments,
forwards, encodings) must never come out as one of the three failure causes.
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from pathlib import Path

import pytest

from mssc.replies import Classification, ReplyKind, classify

pytestmark = pytest.mark.corpus

HERE = Path(__file__).resolve().parent
#: ../shared beside the checkout, as in conftest.py
SHARED = Path(os.environ.get("MSSC_SHARED", HERE.parent.parent / "shared"))
EXTRA = SHARED / "corpora" / "bounces-extra"
LABELS = HERE / "corpus_labels" / "bounces-extra.tsv"
CAUSES = ("RECIPIENT_NOT_FOUND", "MAILBOX_CLOSED", "MESSAGE_TOO_LARGE")
#: class -> (minimum precision, minimum recall): the scores reached
FLOORS = {
    "RECIPIENT_NOT_FOUND": (1.0, 0.97),
    "MAILBOX_CLOSED": (1.0, 1.0),
    "MESSAGE_TOO_LARGE": (1.0, 1.0),
}


@pytest.fixture(scope="module")
def extra() -> Path:
    if not EXTRA.is_dir():
        pytest.skip(f"corpus not found at {EXTRA}")
    return EXTRA


def _rows() -> list[dict[str, str]]:
    with LABELS.open(encoding="utf-8") as f:
        lines = [line for line in f if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def _predicted(result: Classification, address: str) -> str:
    """The kind given to ``address`` ("-": the message's kind); "MISSING" if not found."""
    if address == "-":
        return result.kind.value
    for r in result.recipients:
        if r.address.lower() == address.lower():
            return r.kind.value
    return "MISSING"


@pytest.fixture(scope="module")
def pairs(extra: Path) -> Counter[tuple[str, str]]:
    results: dict[str, Classification] = {}
    out: Counter[tuple[str, str]] = Counter()
    for row in _rows():
        name = row["file"]
        if name not in results:
            results[name] = classify((extra / name).read_bytes())
        expected = row["class"]
        got = _predicted(results[name], row["address"])
        if expected == "FAILURE" and got in ("DELIVERY_FAILED", "DELIVERY_DELAYED"):
            got = "FAILURE"
        out[(expected, got)] += 1
    return out


def test_labels_are_well_formed() -> None:
    rows = _rows()
    assert len(rows) >= 60
    kinds = {k.value for k in ReplyKind} | {"FAILURE"}
    for row in rows:
        assert row["class"] in kinds
        assert row["note"]
    assert len({(r["file"], r["address"]) for r in rows}) == len(rows)


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_scores_on_our_labels(name: str, pairs: Counter[tuple[str, str]]) -> None:
    tp = pairs[(name, name)]
    predicted = sum(n for (_, p), n in pairs.items() if p == name)
    actual = sum(n for (e, _), n in pairs.items() if e == name)
    precision = tp / predicted if predicted else 1.0
    recall = tp / actual if actual else 1.0
    print(f"\n{name}: precision {precision:.3f} recall {recall:.3f} ({tp}/{predicted}/{actual})")
    print("confusions:", [(k, n) for k, n in pairs.items() if k[0] != k[1]])
    assert precision >= FLOORS[name][0]
    assert recall >= FLOORS[name][1]


def test_ordinary_messages_are_never_a_failure_cause(extra: Path) -> None:
    ordinary = [
        p
        for p in sorted((extra / "deltachat").glob("*.eml"))
        if not any(w in p.name for w in ("ndn", "dsn", "report"))
    ]
    assert len(ordinary) >= 50
    wrong = [(p.name, k) for p in ordinary if (k := classify(p.read_bytes()).kind.value) in CAUSES]
    assert wrong == []
