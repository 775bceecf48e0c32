"""The Python snippets of the reference pages run as they are, and say what they show.

Each ```python block of a page listed here runs in a fresh namespace (a reader copies one block
at a time, so each imports what it uses). A line ``expression  # value`` is a claim: when the
comment starts with a Python value (``'89'``, ``False``, ``InsKind.NIR``, a tuple), the
expression must give it. The pages whose snippets follow one another from the reader's own
message or file (:data:`SEQUENTIAL_PAGES`) run block after block in one namespace, from the
values :func:`_reader_values` gives them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import mssc

DOCS = Path(__file__).resolve().parent.parent / "docs"
#: Pages whose snippets are self-contained (no file or message of the reader's own).
PAGES = ("ins.md", "identifiers.md", "addresses.md", "sandbox.md")
_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def blocks(page: str) -> list[str]:
    return _BLOCK.findall((DOCS / page).read_text(encoding="utf-8"))


def claimed(comment: str) -> tuple[bool, Any]:
    """The value a comment states, if it starts with one: ``(True, value)``, else ``(False,
    None)``. Tried on the whole comment, then on what comes before ``"  "``, ``" ("``, ``", "``."""
    names = {name: getattr(mssc, name) for name in mssc.__all__}
    for cut in (comment, *(comment.split(sep)[0] for sep in ("  ", " (", ", "))):
        try:
            return True, eval(cut, names)  # our own documentation, not input
        except Exception:  # prose, not a value
            continue
    return False, None


def run_block(source: str, namespace: dict[str, Any] | None = None) -> int:
    """Run one snippet statement by statement (in ``namespace``, a fresh one by default); check
    each claim; return how many were checked."""
    namespace = {} if namespace is None else namespace
    lines = source.splitlines()
    checked = 0
    for statement in ast.parse(source).body:
        code = ast.Module(body=[statement], type_ignores=[])
        if not isinstance(statement, ast.Expr):
            exec(compile(code, "<docs>", "exec"), namespace)
            continue
        value = eval(compile(ast.Expression(statement.value), "<docs>", "eval"), namespace)
        line = lines[(statement.end_lineno or statement.lineno) - 1]
        if "#" not in line:
            continue
        found, expected = claimed(line.split("#", 1)[1].strip())
        if found:
            assert value == expected, line
            checked += 1
    return checked


@pytest.mark.parametrize(
    ("page", "index"),
    [(page, i) for page in PAGES for i in range(len(blocks(page)))],
)
def test_each_snippet_runs_on_its_own(page: str, index: int) -> None:
    run_block(blocks(page)[index])


def test_the_claims_are_checked() -> None:
    """Not vacuous: most commented lines of these pages state a value that is compared."""
    total = sum(run_block(block) for page in PAGES for block in blocks(page))
    assert total >= 15


FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: A reader's PDF file (the attachment whitelist checks the content's signature).
_PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _reader_values(page: str, tmp_path: Path) -> dict[str, Any]:
    """What a reader of ``page`` brings: the message or file the page's snippets start from."""
    if page == "compose.md":
        # the reader's PDF in the working directory, their SMTP connection (smtplib's
        # sendmail, recorded here), and the sender and patient of the first snippet
        from mssc.compose import Sender

        (tmp_path / "convocation.pdf").write_bytes(_PDF)
        sendmail: list[tuple[Any, ...]] = []
        return {
            "smtp": SimpleNamespace(sendmail=lambda *args: sendmail.append(args)),
            "sendmail": sendmail,
            "sender": Sender.organisational("secretariat@chu.mssante.fr", entity="CHU"),
            "patient": "279035121518989@patient.mssante.fr",
        }
    if page == "conformance.md":
        # the reader's message: one that goes to two patients (a finding to print)
        source = FIXTURES / "conformance" / "outgoing-second-patient-without-comma.eml"
        (tmp_path / "convocation.eml").write_bytes(source.read_bytes())
        return {}
    if page == "report.md":
        # the reader's outbox: a conforming message and one with findings
        outbox = tmp_path / "outbox"
        outbox.mkdir()
        for name in ("outgoing-convocation-ok.eml", "outgoing-group-mail.eml"):
            (outbox / name).write_bytes((FIXTURES / "conformance" / name).read_bytes())
        return {}
    if page == "replies.md":
        raw = (FIXTURES / "replies" / "dsn-closed-fr.eml").read_bytes()
        return {"raw_bytes": raw, "raw": raw}
    if page == "patient-messages.md":
        kept: list[tuple[str, bytes, str]] = []
        refused: list[tuple[str, str, str]] = []
        return {
            "raw_bytes": (FIXTURES / "inbound" / "reply-attachments.eml").read_bytes(),
            "store": lambda name, content, media_type: kept.append((name, content, media_type)),
            "log": lambda name, code, reason: refused.append((name, code, reason)),
            "kept": kept,
            "refused": refused,
        }
    if page == "documents.md":
        pdf = tmp_path / "bilan.pdf"
        pdf.write_bytes(_PDF)
        return {"pdf": pdf.read_bytes()}
    if page == "templates.md":
        from mssc.templates import example_context

        namespace: dict[str, Any] = {"context": example_context("preadmission")}
        exec(blocks("documents.md")[0], namespace)  # the identity of documents.md's step 1
        namespace["patient_identity"] = namespace.pop("patient")
        return namespace
    return {}


#: Pages whose snippets follow one another and start from the reader's own message or file
#: (:func:`_reader_values`); each page's blocks run in order in one namespace.
SEQUENTIAL_PAGES = (
    "compose.md",
    "conformance.md",
    "report.md",
    "attachments.md",
    "replies.md",
    "patient-messages.md",
    "documents.md",
    "templates.md",
)
#: Blocks that read the reader's own files: not run.
NOT_RUN = {
    ("templates.md", 2): "TemplateSet.from_directory reads the establishment's directory",
    ("conformance.md", 1): "a contributor's check, written inside the package's own modules",
}


def run_page(page: str, tmp_path: Path) -> tuple[dict[str, Any], int]:
    """Run the blocks of ``page`` in order in one namespace; return it and the claims checked."""
    namespace = _reader_values(page, tmp_path)
    checked = 0
    for i, block in enumerate(blocks(page)):
        if (page, i) not in NOT_RUN:
            checked += run_block(block, namespace)
    return namespace, checked


@pytest.mark.parametrize("page", SEQUENTIAL_PAGES)
def test_the_page_runs_in_order(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each page's snippets run, one after the other, on the reader's message or file (in a
    working directory of their own: the snippets name the reader's files relatively)."""
    monkeypatch.chdir(tmp_path)
    _, checked = run_page(page, tmp_path)
    assert checked >= {"documents.md": 0, "conformance.md": 0, "report.md": 0}.get(page, 1)


def test_the_snippets_do_what_their_pages_say(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beyond the commented values: the snippets' effects that the pages describe."""
    monkeypatch.chdir(tmp_path)
    namespace, _ = run_page("patient-messages.md", tmp_path)
    msg = namespace["msg"]
    # every attachment is either stored (accepted) or logged with its refusal code
    assert len(namespace["kept"]) + len(namespace["refused"]) == len(msg.attachments)
    assert {code for _, code, _ in namespace["refused"]} == {
        a.code for a in msg.attachments if not a.accepted
    }
    # the report goes to the patient's INS address, packaged as IHE_XDM.zip beside the PDF
    namespace, _ = run_page("documents.md", tmp_path)
    sent = namespace["sent"].message
    assert str(namespace["patient"].ins) + "@" in str(sent["To"])
    assert "IHE_XDM.zip" in [part.get_filename() for part in sent.iter_attachments()]
    # the composed message is handed to the reader's SMTP connection: envelope and bytes
    namespace, _ = run_page("compose.md", tmp_path)
    sent = namespace["sent"]
    [(mail_from, rcpt_to, data, *_)] = namespace["sendmail"]
    assert (mail_from, rcpt_to, data) == (
        sent.envelope.mail_from,
        sent.envelope.rcpt_to,
        sent.to_bytes(),
    )
    assert namespace["reminder"].message["Subject"] == "Rappel : votre convocation"
    # the check of the reader's message finds the second patient; the report of the outbox
    # names both messages, in the HTML and in the JSON written beside it
    namespace, _ = run_page("conformance.md", tmp_path)
    assert not namespace["report"].ok
    assert "MSSC010" in {f.code for f in namespace["report"].findings}  # as the page prints
    namespace, _ = run_page("report.md", tmp_path)
    for written in ("report.html", "report.json"):
        text = (tmp_path / written).read_text(encoding="utf-8")
        assert "outgoing-convocation-ok.eml" in text
        assert "outgoing-group-mail.eml" in text
    # compose_template addresses the identity given as ``to``
    namespace, _ = run_page("templates.md", tmp_path)
    assert str(namespace["patient_identity"].ins) + "@" in str(namespace["sent"].message["To"])


def test_the_referral_snippet_shows_its_json() -> None:
    [snippet] = [b for b in blocks("ins.md") if "class Referral" in b]
    namespace: dict[str, Any] = {}
    exec(snippet, namespace)
    comment = snippet.strip().splitlines()[-1].lstrip("# ")
    model = namespace["Referral"](ins="279035121518989")
    assert model.model_dump_json() == ast.literal_eval(comment)
