"""The rule catalogue: every rule with its stable code, severity, reference and rationale.

Codes are never reused or renumbered. ``docs/conformance.md`` is generated from this table
(:func:`rules_markdown`) and a test keeps the two in agreement.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from mssc.conformance._model import Direction, Rule, Severity

__all__ = ["CATALOGUE_VERSION", "RULES", "defect_rule", "rule", "rules_markdown"]

_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO
_OUT, _IN, _ANY = Direction.OUTGOING, Direction.INCOMING, Direction.BOTH

_CATALOGUE: Final = (
    Rule("MSSC001", _E, "ECO.2.2.1", _OUT, "Message-ID missing",
         "every message needs a Message-ID so replies, receipts and bounces can be matched"),
    Rule("MSSC002", _E, "ECO.2.2.1", _OUT, "Message-ID malformed",
         "a Message-ID must be one strict `<left@right>` msg-id (RFC 5322 §3.6.4)"),
    Rule("MSSC003", _E, "ECO.2.2.2", _OUT, "In-Reply-To malformed",
         "In-Reply-To must hold only well-formed msg-ids, or the thread breaks"),
    Rule("MSSC004", _E, "ECO.2.2.2", _OUT, "reply without matching References",
         "a reply carries References ending with the id of its parent (RFC 5322 §3.6.4)"),
    Rule("MSSC005", _E, "ECO.2.2.2", _OUT, "References malformed",
         "References must hold only well-formed msg-ids, or the thread breaks"),
    Rule("MSSC006", _E, "ECO.2.2.3", _OUT, "text part not declared UTF-8",
         "every text part of the body is sent with charset UTF-8"),
    Rule("MSSC007", _E, "ECO.2.2.3", _OUT, "text part not valid UTF-8",
         "a part declared UTF-8 must decode as UTF-8, or the patient sees garbage"),
    Rule("MSSC008", _E, "ECO.2.2.4", _OUT, "body structure not allowed",
         "the body is text/plain or multipart/alternative, attachments aside"),
    Rule("MSSC009", _E, "ECO.2.2.6", _OUT, "patient address with an invalid INS",
         "a patient address is a valid matricule INS (key included) at patient.mssante.fr"),
    Rule("MSSC010", _E, "ECO.2.2.6", _OUT, "several patients in one message",
         "one patient per message: never expose a patient's address to another patient"),
    Rule("MSSC011", _E, "ECO.2.2.6", _OUT, "no patient recipient",
         "a message to MES goes to exactly one patient address (or to the TEST responder)"),
    Rule("MSSC012", _E, "ECO.2.2.7", _OUT, "From missing or invalid",
         "the sender is exactly one valid MSSanté address"),
    Rule("MSSC013", _E, "ECO.2.2.7", _OUT, "From without a meaningful display name",
         "MES shows the patient the From display name as the sender; a missing name, or one "
         "that only repeats the address or its local part (`secretariat`, `m.martin`), does "
         "not tell the patient which person or service writes"),
    Rule("MSSC014", _W, "ECO.2.2.7", _OUT, "display name not in the ECO.2.2.7 form",
         "a personal box is labelled Titre_Prénom_NOM_Entité with NOM in upper case"),
    Rule("MSSC015", _E, "ECO.2.2.8", _OUT, "X-MSS-MES value is not FIN",
         "X-MSS-MES has exactly one value, the three capitals FIN"),
    Rule("MSSC016", _E, "ECO.2.4.3", _OUT, "X-MSS-NIL missing or empty",
         "every message carries the software's Ségur product reference in X-MSS-NIL"),
    Rule("MSSC017", _E, "RFC8098-2.1", _OUT, "Disposition-Notification-To not one address",
         "a read-receipt request names exactly one valid address"),
    Rule("MSSC018", _E, "MES-ATTACHMENTS", _OUT, "attachment type not allowed",
         "only whitelisted document types (PDF, JPEG, PNG, TIFF, RTF by default) reach MES"),
    Rule("MSSC019", _E, "MES-ATTACHMENTS", _OUT, "attachment type mismatch",
         "the content, the file extension and the declared type of an attachment agree"),
    Rule("MSSC020", _E, "MES-ATTACHMENTS", _OUT, "attachment empty or without a file name",
         "the patient must be able to save and open every attachment"),
    Rule("MSSC021", _E, "MES-SIZE", _OUT, "message over 25,000,000 octets",
         "MES refuses messages over 25 Mo; the encoded size counts"),
    Rule("MSSC022", _I, "MES-FIN", _OUT, "subject [FIN]: closes the conversation",
         "the subject [FIN] ends the conversation: the patient can no longer reply"),
    Rule("MSSC023", _W, "MES-FIN", _OUT, "word FIN in the subject",
         "the word FIN in a subject may close the conversation by accident"),
    Rule("MSSC024", _W, "MES-FIN", _OUT, "[FIN] without X-MSS-MES: FIN",
         "the X-MSS-MES: FIN header is the preferred closing mechanism; send both"),
    Rule("MSSC025", _I, "ECO.2.2.8", _OUT, "X-MSS-MES: FIN closes the conversation",
         "the header X-MSS-MES: FIN blocks the patient's reply"),
    Rule("MSSC026", _E, "MES-TEST", _OUT, "TEST message without TEST",
         "the MES TEST responder answers only when subject and body contain TEST"),
    Rule("MSSC027", _W, "SEGUR-RETURN-ADDRESS", _OUT, "applicative sender without Reply-To",
         "nobody reads an applicative box: replies need a Reply-To to a person's box"),
    Rule("MSSC028", _E, "SEGUR-RETURN-ADDRESS", _OUT, "Reply-To not an MSSanté address",
         "MES routes the patient's reply to Reply-To only when it is an MSSanté box"),
    Rule("MSSC029", _E, "RFC5322-2.2", _OUT, "control character in a header",
         "control characters in headers (also inside encoded words) enable header injection"),
    Rule("MSSC030", _E, "RFC5322-2.1.1", _OUT, "line over 998 octets",
         "lines longer than 998 octets are refused or broken by mail servers"),
    Rule("MSSC031", _E, "RFC5322-2.2", _OUT, "unencoded non-ASCII header",
         "header fields are ASCII; other characters go in RFC 2047 encoded words"),
    Rule("MSSC032", _E, "RFC5322-3.6", _OUT, "duplicate singleton header",
         "fields such as From, Subject or Message-ID occur at most once"),
    Rule("MSSC033", _E, "RFC5322-3.6.1", _OUT, "Date missing or invalid",
         "the origination date is required and must be a valid date-time"),
    Rule("MSSC034", _E, "RFC2046-5.1", _OUT, "broken MIME structure",
         "a MIME structure the parser has to repair may lose parts on the way"),
    Rule("MSSC035", _E, "RFC5322", _OUT, "message unreadable by the rules",
         "a message that standard mail software fails to read cannot be relied upon",
         "unreadable"),
    Rule("MSSC036", _E, "MES-RECEIPT", _OUT, "read receipt asked outside the sender's structure",
         "MES sends the patient's read receipt to Disposition-Notification-To: it must be an "
         "MSSanté box of the sending structure (the domain of From, Sender or Reply-To)"),
    Rule("MSSC040", _E, "ECO.2.2.6", _IN, "sender not a patient address",
         "a patient's message comes from a valid INS address at patient.mssante.fr"),
    Rule("MSSC041", _E, "MES-ATTACHMENTS", _IN, "inbound attachment type not allowed",
         "only the types the MES app lets a patient send are taken in"),
    Rule("MSSC042", _E, "MES-ATTACHMENTS", _IN, "inbound attachment type mismatch",
         "a file whose bytes contradict its name or type may be disguised malware"),
    Rule("MSSC043", _E, "MES-ATTACHMENTS", _IN, "inbound attachment empty or without a name",
         "an attachment that cannot be saved under a name is reported, not silently lost"),
    Rule("MSSC044", _E, "RFC5322", _IN, "message unreadable by the rules",
         "a message that standard mail software fails to read is reported, not passed",
         "unreadable"),
    Rule("MSSC050", _E, "MSSC-LIMITS", _ANY, "MIME nesting over the reading limit",
         "the parser's cost grows with depth × lines; the message is not read further",
         "limit-depth"),
    Rule("MSSC051", _E, "MSSC-LIMITS", _ANY, "more MIME parts than the reading limit",
         "every part costs parsing and a verdict; the message is not read further",
         "limit-parts"),
    Rule("MSSC052", _E, "MSSC-LIMITS", _ANY, "more header fields than the reading limit",
         "a header section of that size is an attack on the reader; it is not read further",
         "limit-header-count"),
    Rule("MSSC053", _E, "MSSC-LIMITS", _ANY, "header field over the reading limit",
         "header parsers slow down on huge fields; the message is not read further",
         "limit-header-length"),
    Rule("MSSC054", _E, "MSSC-LIMITS", _ANY, "more encoded words than the reading limit",
         "decoding thousands of RFC 2047 words costs time and memory; not read further",
         "limit-encoded-words"),
    Rule("MSSC055", _E, "MSSC-LIMITS", _ANY, "more RFC 2231 sections than the reading limit",
         "joining thousands of parameter sections costs time; the message is not read further",
         "limit-rfc2231"),
    Rule("MSSC056", _E, "MSSC-LIMITS", _ANY, "reading work over the limit",
         "the total work one message may cost the reader is capped; not read further",
         "limit-work"),
    Rule("MSSC057", _E, "MSSC-LIMITS", _ANY, "comments nested deeper than the reading limit",
         "parsers recurse once per nested comment; the message is not read further",
         "limit-comment-depth"),
    Rule("MSSC060", _E, "ECO.2.4.1", _OUT, "X-MSS-CODECDA present exactly with a CDA",
         "X-MSS-CODECDA is set when, and only when, a CDA travels in IHE_XDM.zip"),
    Rule("MSSC061", _E, "ECO.2.4.1", _OUT, "X-MSS-CODECDA not the CDA codes",
         "X-MSS-CODECDA lists the code of each attached CDA, comma-separated"),
    Rule("MSSC062", _E, "ECO.2.4.2", _OUT, "X-MSS-INS missing or inconsistent",
         "X-MSS-INS is O when the CDAs carry a qualified INS with its traits, else N"),
    Rule("MSSC063", _E, "ECO.2.1.2", _OUT, "document about another patient",
         "the recipient's INS, the CDA recordTarget and the METADATA patientId are one person"),
    Rule("MSSC064", _E, "IHE-ITI-32", _OUT, "XDM hash or size wrong",
         "METADATA.XML gives the SHA-1 and size of each file; a mismatch means a changed file"),
    Rule("MSSC065", _E, "ECO.2.1.1", _OUT, "not one PDF per CDA",
         "each CDA of IHE_XDM.zip travels with a PDF of it, readable by the patient"),
    Rule("MSSC066", _E, "IHE-ITI-32", _OUT, "IHE_XDM.zip unreadable or unsafe",
         "an archive that cannot be read safely (paths, bombs, encryption, METADATA) is refused"),
    Rule("MSSC067", _W, "IHE-ITI-32", _OUT, "XDM layout differs from French practice",
         "README.TXT, INDEX.HTM, subset SUBSET01 and upper-case 8.3 names, as readers expect"),
)  # fmt: skip

#: The version of the catalogue, printed on conformance reports. Bump the minor number when rules
#: are added, the major number when a rule's meaning or severity changes.
CATALOGUE_VERSION: Final = "1.1"

#: Every rule by code, in code order (read-only).
RULES: Final[Mapping[str, Rule]] = MappingProxyType({r.code: r for r in _CATALOGUE})


def rule(code: str) -> Rule:
    """Return the rule of ``code`` (``MSSC001`` …).

    Raises:
        KeyError: when no rule has that code.
    """
    return RULES[code]


def defect_rule(defect: str, direction: Direction) -> Rule | None:
    """Return the rule that reports reader defect ``defect`` (``limit-depth``, ``unreadable`` …)
    for a message checked in ``direction``; None when no rule reports it."""
    return _BY_DEFECT.get((defect, direction))


_BY_DEFECT: Final[Mapping[tuple[str, Direction], Rule]] = MappingProxyType(
    {
        (r.defect, d): r
        for r in _CATALOGUE
        if r.defect
        for d in (Direction.OUTGOING, Direction.INCOMING)
        if r.applies_to(d)
    }
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def rules_markdown() -> str:
    """Return the rule catalogue as a Markdown table (the one in ``docs/conformance.md``)."""
    lines = [
        "| code | severity | direction | reference | rule | rationale |",
        "|---|---|---|---|---|---|",
    ]
    for r in _CATALOGUE:
        lines.append(
            f"| `{r.code}` | {r.severity.value} | {r.direction.value} | `{r.reference}` "
            f"| {_cell(r.title)} | {_cell(r.rationale)} |"
        )
    return "\n".join(lines) + "\n"
