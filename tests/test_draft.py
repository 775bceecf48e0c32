"""The draft value: compose, estimate_size and plan_split take one frozen Draft; size.py stands
below compose.py."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from mssc.attachments import Attachment
from mssc.compose import Composer, Draft, DraftKeywords, Sender
from mssc.errors import InvalidMessage
from mssc.headers import SequentialMessageIds
from mssc.size import estimate_size, plan_split

WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
SENDER = Sender.organisational("secretariat@chu-exemple.mssante.fr", entity="CHU Exemple")
TO = "279035121518989@patient.mssante.fr"


def composer(limit: int = 25_000_000) -> Composer:
    return Composer(
        "DEV1", clock=lambda: WHEN, message_ids=SequentialMessageIds("d"), max_size=limit
    )


def pdf(n: int) -> bytes:
    return b"%PDF-1.4\n" + bytes(range(256)) * (n // 256 + 1)


def test_importing_size_does_not_import_compose() -> None:
    # The package root is replaced by a bare namespace, so only mssc.size and what it imports
    # are loaded (the root re-exports compose).
    code = (
        "import sys, types, importlib.util\n"
        "spec = importlib.util.find_spec('mssc')\n"
        "root = types.ModuleType('mssc'); root.__path__ = list(spec.submodule_search_locations)\n"
        "sys.modules['mssc'] = root\n"
        "import mssc.size\n"
        "print(sorted(m for m in sys.modules if m.startswith('mssc')))\n"
        "print('mssc.compose' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded, compose_loaded = done.stdout.strip().splitlines()
    assert "mssc.size" in loaded
    assert compose_loaded == "False"


def test_a_draft_is_frozen_and_freezes_its_containers() -> None:
    files = [Attachment("a.pdf", pdf(10))]
    headers = {"X-Test": "1"}
    draft = Draft(
        sender=SENDER, to=TO, subject="s", text="t", attachments=files, extra_headers=headers
    )
    files.append(Attachment("b.pdf", pdf(10)))
    headers["X-Other"] = "2"
    assert isinstance(draft.attachments, tuple)
    assert len(draft.attachments) == 1
    assert dict(draft.extra_headers or {}) == {"X-Test": "1"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        draft.subject = "x"  # type: ignore[misc]


@pytest.mark.parametrize("html", [None, "<p>Bonjour</p>"])
@pytest.mark.parametrize("count", [0, 1, 3])
def test_draft_and_keywords_give_the_same_bytes(html: str | None, count: int) -> None:
    files = tuple(Attachment(f"f{i}.pdf", pdf(1000 * (i + 1))) for i in range(count))
    keywords: DraftKeywords = {
        "sender": SENDER,
        "to": TO,
        "subject": "Résultats",
        "text": "Bonjour\n",
        "html": html,
        "attachments": files,
    }
    draft = Draft(**keywords)
    by_draft = composer().compose(draft)
    by_keywords = composer().compose(**keywords)
    assert by_draft.to_bytes() == by_keywords.to_bytes()
    assert composer().estimate_size(draft) == by_draft.size == estimate_size(composer(), draft)


def test_plan_split_takes_a_draft() -> None:
    files = tuple(Attachment(f"f{i}.pdf", pdf(40_000)) for i in range(4))
    draft = Draft(sender=SENDER, to=TO, subject="Lot", text="x\n", attachments=files)
    plans = plan_split(composer(limit=120_000), draft)
    assert len(plans) > 1
    assert sorted(a.filename for p in plans for a in p.attachments) == [a.filename for a in files]
    sent = composer(limit=120_000).compose_split(draft)
    assert [m.size for m in sent] == [p.size for p in plans]


def test_a_draft_and_keywords_together_are_refused() -> None:
    draft = Draft(sender=SENDER, to=TO, subject="s", text="t")
    with pytest.raises(InvalidMessage) as caught:
        composer().compose(draft, subject="autre")  # type: ignore[call-overload]
    assert caught.value.code == "bad-argument"


@pytest.mark.parametrize("missing", ["sender", "to", "subject", "text"])
def test_missing_keywords_are_refused_with_a_code(missing: str) -> None:
    keywords: dict[str, object] = {"sender": SENDER, "to": TO, "subject": "s", "text": "t"}
    del keywords[missing]
    with pytest.raises(InvalidMessage) as caught:
        composer().compose(**keywords)  # type: ignore[call-overload]
    assert caught.value.code == "bad-argument"
    assert missing in caught.value.message


@pytest.mark.parametrize("method", ["compose", "estimate_size", "plan_split", "compose_split"])
def test_an_unknown_keyword_is_refused_with_a_code(method: str) -> None:
    """A misspelt keyword (``atachments=``) is named in a coded error, not a TypeError."""
    call = getattr(composer(), method)
    with pytest.raises(InvalidMessage) as caught:
        call(sender=SENDER, to=TO, subject="s", text="t", atachments=())
    assert caught.value.code == "bad-argument"
    assert "atachments" in caught.value.message
    assert "attachments" in (caught.value.hint or "")
