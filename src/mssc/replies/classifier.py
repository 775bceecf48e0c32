"""The classifier: what is this message that came back to the professional's box?

The pipeline, for one message (every step bounded, nothing raises on content):

1. read the MIME structure (:mod:`mssc.mime`; past a limit: ``OTHER`` with the defect, no
   guess), note the sender (null return path, MAILER-DAEMON, postmaster, an MES system
   address, a patient's INS address, the TEST responder);
2. **structured fields first**: an MDN part (or ``report-type=disposition-notification``) gives
   READ_RECEIPT; a patient sender gives PATIENT_MESSAGE (anything that merely *looks* like a
   notice from a patient is text the patient wrote); a ``message/delivery-status`` part gives one
   outcome per recipient from its ``Action`` field;
3. **phrase tables** (:mod:`mssc.replies.phrases`), in their fixed priority, over the
   per-recipient diagnostic, then the recipient's lines in the notice, then the whole notice,
   then the subject;
4. **the status code last**, as a fallback.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterable, Sequence
from email.message import Message
from typing import TypeVar

from mssc import mime as _mime
from mssc.addresses import TEST_RESPONDER, parse_patient_address
from mssc.errors import InvalidAddress
from mssc.ins import PATIENT_DOMAIN, Ins
from mssc.mime import DEFAULT_LIMITS, MimeLimits, normalise
from mssc.replies.dsn import (
    FAILURE_REPLY_CODE,
    STATUS_CODE,
    DsnRecord,
    _dsn_record,
    _line_end_form,
    _line_search,
    _lowers_in_place,
    fields_in_text,
    read_delivery_status,
    read_text_bounce,
    reply_code_in,
    smtp_command_in,
    split_notice,
    status_in,
)
from mssc.replies.mdn import read_mdn
from mssc.replies.model import (
    Classification,
    Disposition,
    Evidence,
    RecipientOutcome,
    ReplyKind,
    _classification,
    _outcome,
)
from mssc.replies.phrases import (
    ABSENCE_RULE,
    ADDRESS_BLANK,
    AUTO_REPLY_RULE,
    BUILTIN_RULES,
    DELAY_RULE,
    NOT_FOUND_STATUSES,
    NOTICE_RULE,
    READ_NOTICE_RULE,
    STATUS_RULES,
    PhraseRule,
    RuleTable,
    StatusRule,
)

__all__ = ["Classifier", "classify"]

_R = TypeVar("_R", PhraseRule, StatusRule)

_PATIENT_LOCAL = re.compile(r"[0-9]{5}(?:[0-9]{2}|2[AaBb])[0-9]{4,8}")
_SYSTEM_LOCALS = frozenset(
    {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon", "mailer_daemon", "double-bounce"}
)
_SYSTEM_LOCAL_RE = re.compile(r"^(mailer-?daemon|post_?master|mail[._-]?delivery)")


def _is_system_local(local: str) -> bool:
    """Whether an address's local part is a mail system's (MAILER-DAEMON, postmaster ...)."""
    return local in _SYSTEM_LOCALS or _SYSTEM_LOCAL_RE.match(local) is not None


# An MES system address: a local part on patient.mssante.fr with a letter that is not in the
# INS position of Corsica (2A/2B), e.g. ``reponse.automatique-test`` or ``ne-pas-repondre``.
# Digits-only locals are not system addresses (a mistyped or truncated INS may be a patient).
_MES_SYSTEM_LOCAL = re.compile(r"(?=[^@]*[a-z])(?![0-9]{5}2[ab])[a-z0-9][a-z0-9._+-]{0,63}")
_MAX_RECIPIENTS = 100
_DELIVERED_ACTIONS = frozenset({"delivered", "relayed", "expanded"})


class _Sender:
    """Who sent the message, as far as the headers say.

    The address is read from the raw ``From`` (an RFC 2047 word is display-name text, never an
    address). A patient's INS address in *any* mailbox of *any* ``From``, ``Sender`` or
    ``Return-Path`` (``a, b``, ``<a>, <b>``, groups) makes the message the patient's: a
    system ``From`` beside it proves nothing, so it is neither a system sender nor the TEST
    responder then.
    """

    __slots__ = (
        "address",
        "is_patient",
        "is_system",
        "is_test_responder",
        "null_only",
        "patient_address",
        "patient_source",
        "spoofed",
        "why",
    )

    def __init__(self, msg: _mime.Headers) -> None:
        identity = _stored_identity(msg) or _read_identity(msg)
        raw_from, return_path, identities, has_return_path = identity
        self.address = _address_of(raw_from)
        local, _, domain = self.address.rpartition("@")
        self.patient_address = ""
        self.patient_source = ""
        for name, value in identities:
            # every mailbox of the header: "a, b", "<a>, <b>" and groups alike
            address = self.address if value == raw_from else _address_of(value)
            if _is_patient(address):
                self.patient_address, self.patient_source = address, name
                break
            if value.count("@") > 1 or ":" in value:
                found = next((a for a in _mime.mailboxes(value) if _is_patient(a)), "")
                if found:
                    self.patient_address, self.patient_source = found, name
                    break
        self.is_patient = bool(self.patient_address)
        self.spoofed = self.is_patient and self.patient_address != self.address
        self.is_test_responder = self.address == TEST_RESPONDER and not self.is_patient
        why = ""
        if self.is_patient:
            pass
        elif return_path.strip() in ("<>", "") and has_return_path:
            why = "null return path"
        elif _is_system_local(local):
            why = f"system sender {self.address}"
        elif domain == PATIENT_DOMAIN and _MES_SYSTEM_LOCAL.fullmatch(local):
            why = f"MES system address {self.address}"
        self.is_system = bool(why)
        self.null_only = why == "null return path"
        self.why = why


_AT_PATIENT_DOMAIN = "@" + PATIENT_DOMAIN


def _is_patient(address: str) -> bool:
    """Whether ``address`` (lower-case) is a patient's INS address."""
    # the domain after the last "@" is PATIENT_DOMAIN (which has no "@"), and the local part
    # before it an INS
    return (
        address.endswith(_AT_PATIENT_DOMAIN)
        and _PATIENT_LOCAL.fullmatch(address, 0, len(address) - len(_AT_PATIENT_DOMAIN)) is not None
    )


#: What :class:`_Sender` reads of the headers: the raw first ``From`` and ``Return-Path``
#: (:func:`mssc.mime.raw_header`), :func:`_identity_values`, and whether a ``Return-Path`` is
#: there.
_Identity = tuple[str, str, list[tuple[str, str]], bool]


def _read_identity(msg: _mime.Headers) -> _Identity:
    """What :class:`_Sender` reads of the headers, through the general readers."""
    return (
        _mime.raw_header(msg, "From"),
        _mime.raw_header(msg, "Return-Path"),
        _identity_values(msg),
        "Return-Path" in msg,
    )


def _stored_identity(msg: _mime.Headers) -> _Identity | None:
    """:func:`_read_identity` for headers whose ``From``, ``Sender`` and ``Return-Path`` values
    are read as they are stored (:meth:`mssc.mime.Headers.stored_values`) and hold no line end:
    each value is then its own raw form (stripped, for the first ``From`` and ``Return-Path``),
    read in three lookups instead of the readers' general path. None for any other headers."""
    froms = msg.stored_values("from")
    senders = msg.stored_values("sender")
    paths = msg.stored_values("return-path")
    if froms is None or senders is None or paths is None:
        return None
    identities: list[tuple[str, str]] = []
    for name, values in (("From", froms), ("Sender", senders), ("Return-Path", paths)):
        for value in values[:10]:
            identities.append((name, value))
    for value in (*froms, *senders, *paths):
        if "\n" in value or "\r" in value:
            return None  # unfolded otherwise by raw_header and _identity_values
    return (
        froms[0].strip() if froms else "",
        paths[0].strip() if paths else "",
        identities,
        bool(paths),
    )


def _identity_values(msg: _mime.Headers) -> list[tuple[str, str]]:
    """Every ``From``, ``Sender`` and ``Return-Path`` value (raw), the first From first."""
    out: list[tuple[str, str]] = []
    for name in ("From", "Sender", "Return-Path"):
        values = _mime.header_all(msg, name)
        if len(values) > 10:
            values = values[:10]
        for value in values:
            if "\n" in value or "\r" in value:
                value = " ".join(value.split())
            out.append((name, value))
    return out


# A dot-atom addr-spec (RFC 5322 3.4.1, no quoted local part, no domain literal).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM_ADDR = rf"{_ATOM}(?:\.{_ATOM})*@{_ATOM}(?:\.{_ATOM})*"
#: The two common shapes that need parseaddr otherwise: ``"Name" <addr>`` and
#: ``addr (Name)``, with no escape, nested quote or comment: parseaddr's own answer is the
#: addr-spec (tests/test_replies_rules.py compares both on generated values).
_QUOTED_NAME_ADDR = re.compile(
    rf'[ \t]*"[^"\\\r\n]*"[ \t]*<({_DOT_ATOM_ADDR})>[ \t]*'
    rf"|[ \t]*({_DOT_ATOM_ADDR})[ \t]*\([^()\\\r\n]*\)[ \t]*"
)


def _address_of(value: str) -> str:
    """The lower-case addr-spec of a raw address header (a quoted display name is skipped)."""
    if not value:
        return ""
    if '"' in value or "(" in value:
        simple = _QUOTED_NAME_ADDR.fullmatch(value)
        if simple is not None:
            return (simple.group(1) or simple.group(2)).lower()
        try:
            address = email.utils.parseaddr(value)[1]
        except Exception:
            address = ""
        if address:
            return address.lower()
    return _mime.bare_address(value).lower()


#: The parts of a delivery report and of a read receipt, RFC 6533's UTF-8 forms included
#: (the stdlib reads those as an attached message: the first block as its headers, the other
#: blocks as its body, which :func:`~mssc.replies.dsn.read_delivery_status` reads as fields).
_DSN_TYPES = frozenset({"message/delivery-status", "message/global-delivery-status"})
_MDN_TYPES = frozenset(
    {"message/disposition-notification", "message/global-disposition-notification"}
)
#: ``report-type`` values of the same
_DSN_REPORTS = ("delivery-status", "global-delivery-status")
_MDN_REPORTS = ("disposition-notification", "global-disposition-notification")
#: Parts that return the original message (RFC 6533: ``message/global``), or its headers
_ORIGINAL_TYPES = frozenset({"message/rfc822", "message/global", "message/global-headers"})


class _Reader:
    """Everything the rules look at, read once from the message."""

    def __init__(
        self, msg: Message, headers: _mime.Headers, limits: MimeLimits, defects: list[str]
    ) -> None:
        self.msg = msg
        self.headers = headers
        self.subject = _mime.header(headers, "Subject")
        self.report_type = ""
        self.dsn_payloads: list[list[Message] | str] = []
        self.mdn_payloads: list[list[Message] | str] = []
        self.original_headers: list[Message | str] = []
        self.texts: list[str] = []
        self.has_feedback = False
        self.signed = False
        for part, ctype, ancestors in _mime.walk(msg, limits, defects):
            if ctype == "multipart/report" and not self.report_type:
                self.report_type = (_mime.param(part, "report-type") or "").lower()
            elif ctype == "multipart/signed":
                self.signed = True
            if ctype in _DSN_TYPES:
                self.dsn_payloads.append(_payload(part, limits, defects))
            elif ctype in _MDN_TYPES:
                self.mdn_payloads.append(_payload(part, limits, defects))
            elif ctype == "message/feedback-report":
                self.has_feedback = True
            elif ctype in _ORIGINAL_TYPES:
                inner = _mime.payload_of(part)
                if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                    self.original_headers.append(inner[0])
                elif isinstance(inner, str):
                    self.original_headers.append(inner)
            elif ctype in ("text/rfc822-headers", "message/rfc822-headers"):
                self.original_headers.append(_mime.part_text(part, limits, defects))
            elif ctype.startswith("multipart/") and not part.is_multipart():
                # a multipart whose boundary could not be used: read its body as text
                body = _mime.payload_of(part)
                if isinstance(body, str) and len(self.texts) < 4:
                    self.texts.append(body[: limits.max_text_chars])
            elif ctype.startswith("text/") and not part.is_multipart():
                if len(self.texts) >= 4 or not _ORIGINAL_TYPES.isdisjoint(ancestors):
                    continue
                if _mime.param(part, "filename", "content-disposition"):
                    continue
                text = _mime.part_text(part, limits, defects)
                if ctype == "text/html":
                    text = _mime.html_to_text(text)
                self.texts.append(text)
        first = self.texts[0] if self.texts else ""
        quoted = first.count("\n>")
        if quoted > 3 and quoted * 2 > first.count("\n"):
            # a forwarded or quoted bounce: the quoted text, from the bounce's own headers on
            first = _forwarded_body(_QUOTE.sub("", first))
        notice, tail = split_notice(first)
        self.notice = notice
        self.tail = tail
        self._norm_notice: str | None = None
        self.mdn_original: str | None = None
        self._notice_command: str | None = None
        self._notice_lower: str | None = None
        self._norm_subject: str | None = None
        self._blocks: dict[str, str] = {}
        self._unaddressed_memo: dict[str, str] = {}
        self._firsts: dict[tuple[RuleTable, str], tuple[PhraseRule, str] | None] = {}

    def first(self, table: RuleTable, text: str) -> tuple[PhraseRule, str] | None:
        """``table``'s first rule that matches ``text``, with its excerpt (computed once per
        table and text)."""
        key = (table, text)
        if key in self._firsts:
            return self._firsts[key]
        found = self._firsts[key] = table.first(text, table.finder.find(text))
        return found

    def hit(self, table: RuleTable, text: str) -> str | None:
        """The excerpt of :meth:`first` for a table of one rule: what the rule's own
        ``search`` gives."""
        found = self.first(table, text)
        return None if found is None else found[1]

    def unaddressed(self, text: str) -> str:
        """:func:`_unaddressed` of ``text`` (computed once per text)."""
        done = self._unaddressed_memo.get(text)
        if done is None:
            done = self._unaddressed_memo[text] = _unaddressed(text)
        return done

    @property
    def norm_notice(self) -> str:
        if self._norm_notice is None:
            self._norm_notice = _unaddressed(self.notice[:20000])
        return self._norm_notice

    @property
    def norm_subject(self) -> str:
        """The subject, normalised (computed once)."""
        if self._norm_subject is None:
            self._norm_subject = _words(self.subject)
        return self._norm_subject

    def block_about(self, address: str) -> str:
        """:func:`_block_about` of the notice (computed once per address)."""
        block = self._blocks.get(address)
        if block is None:
            if self._notice_lower is None:
                self._notice_lower = self.notice.lower()
            block = self._blocks[address] = _block_about(self.notice, address, self._notice_lower)
        return block

    @property
    def notice_command(self) -> str:
        """The SMTP command that the notice as a whole says the failure answered."""
        if self._notice_command is None:
            self._notice_command = smtp_command_in(self.notice)
        return self._notice_command


def _payload(part: Message, limits: MimeLimits, defects: list[str]) -> list[Message] | str:
    body = _mime.payload_of(part)
    if isinstance(body, list):
        return [b for b in body if isinstance(b, Message)]
    # base64 or quoted-printable report parts arrive as text
    return _mime.part_text(part, limits, defects)


def _ins_of(address: str) -> Ins | None:
    if not address.lower().endswith("@" + PATIENT_DOMAIN):
        return None
    try:
        return parse_patient_address(address)
    except (InvalidAddress, ValueError, TypeError):
        return None


class Classifier:
    """A configured classifier. :func:`classify` uses one with the built-in rules.

    Args:
        extra_rules: :class:`~mssc.replies.phrases.PhraseRule` or
            :class:`~mssc.replies.phrases.StatusRule` values. A rule with the name of a built-in
            rule replaces it in place; other rules are tried before the built-ins of their type.
        limits: bounds on the work spent on one message.
    """

    def __init__(
        self,
        extra_rules: Iterable[PhraseRule | StatusRule] = (),
        *,
        limits: MimeLimits = DEFAULT_LIMITS,
    ) -> None:
        phrase_extra: list[PhraseRule] = []
        status_extra: list[StatusRule] = []
        for rule in extra_rules:
            if isinstance(rule, PhraseRule):
                phrase_extra.append(rule)
            elif isinstance(rule, StatusRule):
                status_extra.append(rule)
            else:
                raise TypeError(
                    f"extra_rules takes PhraseRule or StatusRule values, not {type(rule).__name__}"
                )
        self.phrase_rules: tuple[PhraseRule, ...] = _merge(BUILTIN_RULES, phrase_extra)
        self.status_rules: tuple[StatusRule, ...] = _merge(STATUS_RULES, status_extra)
        self.limits = limits
        # evidence names of the built-in "unknown user" rules still in force (not replaced):
        # a quoted reply read by them needs a stage or an addressing status (_unproven_reply)
        self._builtin_not_found = {
            f"phrase.{r.name}": r
            for r in self.phrase_rules
            if r in BUILTIN_RULES and r.name in _BUILTIN_NOT_FOUND
        }
        closed_rules = tuple(r for r in self.phrase_rules if r.kind is ReplyKind.MAILBOX_CLOSED)
        # (closed_only, per_recipient) -> the rules read then, indexed by their words
        self._tables = {
            (closed_only, per_recipient): RuleTable(
                tuple(
                    r
                    for r in (closed_rules if closed_only else self.phrase_rules)
                    if per_recipient or not r.diagnostic_only
                )
            )
            for closed_only in (False, True)
            for per_recipient in (False, True)
        }
        # the bounce-notice and delay wordings, indexed the same way (one rule each)
        self._notice_table = RuleTable((NOTICE_RULE,))
        self._delay_table = RuleTable((DELAY_RULE,))

    def classify(self, raw: bytes | str | Message) -> Classification:
        """Classify one message. Raises only ``TypeError`` for a wrong input type."""
        # the rules read text, headers and reports: other bodies are not parsed at all
        read = _mime.read_message(raw, limits=self.limits, text_only=True)
        defects = list(read.codes)
        if read.over_limit:
            # past a limit the body was not read: say so, do not guess
            limit = next(d for d in read.defects if d.code.startswith("limit-"))
            return Classification(
                kind=ReplyKind.OTHER,
                confidence=0.0,
                evidence=(Evidence(limit.code, "message", limit.detail or "over a limit"),),
                defects=tuple(dict.fromkeys(defects)),
            )
        try:
            return self._classify(read.message, defects)
        except Exception:
            # A parser corner case we did not foresee must not crash the return box.
            defects.append("classifier-error")
            return Classification(
                kind=ReplyKind.OTHER,
                confidence=0.0,
                evidence=(Evidence("fallback", "message", "could not be read"),),
                defects=tuple(dict.fromkeys(defects)),
            )

    # -- the pipeline ---------------------------------------------------------------------

    def _classify(self, msg: Message, defects: list[str]) -> Classification:
        for d in getattr(msg, "defects", ())[:20]:
            defects.append(f"mime:{type(d).__name__}")
        headers = _mime.Headers(msg)
        sender = _Sender(headers)
        reader = _Reader(msg, headers, self.limits, defects)
        evidence: list[Evidence] = []
        result = (
            self._mdn(reader, sender, evidence)
            or self._patient(reader, sender, evidence)
            or self._dsn(reader, sender, evidence)
            or self._feedback(reader, evidence)
            or self._test_ack(reader, sender, evidence)
            or self._text_bounce(reader, sender, evidence)
            or self._auto_reply(reader, sender, evidence)
            or self._read_notice(reader, evidence)
        )
        if result is None:
            evidence.append(Evidence("no-rule", "message", "no rule matched"))
            result = (ReplyKind.OTHER, [], None, 0.5, False)
        kind, recipients, disposition, confidence, trusted = result
        if defects and confidence > 0.5:
            confidence = round(confidence - 0.1, 2)
        return _classification(
            kind,
            tuple(recipients),
            self._original_id(reader, kind),
            disposition,
            tuple(evidence),
            confidence,
            trusted,
            tuple(dict.fromkeys(defects)),
            _patient_ins(kind, recipients, sender),
        )

    def _mdn(self, reader: _Reader, sender: _Sender, evidence: list[Evidence]) -> _Result | None:
        if not reader.mdn_payloads and reader.report_type not in _MDN_REPORTS:
            return None
        fields = read_mdn(reader.mdn_payloads[0]) if reader.mdn_payloads else None
        disposition = fields.disposition if fields else None
        source = "multipart/signed" if reader.signed else "multipart/report"
        evidence.append(Evidence("mdn.structure", source, "message/disposition-notification part"))
        if disposition is not None:
            evidence.append(Evidence("mdn.disposition", "Disposition", disposition.raw[:120]))
        recipients: list[RecipientOutcome] = []
        reader.mdn_original = fields.original_message_id if fields else None
        address = fields.recipient if fields else ""
        if not address and sender.is_patient:
            address = sender.patient_address
        if address:
            recipients.append(
                RecipientOutcome(
                    address=address,
                    ins=_ins_of(address),
                    kind=ReplyKind.READ_RECEIPT,
                    action=disposition.type.value if disposition and disposition.type else "",
                )
            )
        confidence = 0.95 if disposition and disposition.type else 0.8
        return ReplyKind.READ_RECEIPT, recipients, disposition, confidence, True

    def _patient(
        self, reader: _Reader, sender: _Sender, evidence: list[Evidence]
    ) -> _Result | None:
        if not sender.is_patient:
            return None
        evidence.append(
            Evidence("sender.patient", f"header:{sender.patient_source}", sender.patient_address)
        )
        if sender.spoofed:
            evidence.append(
                Evidence(
                    "spoof-guard",
                    f"header:{sender.patient_source}",
                    f"a patient's address beside From {sender.address or '(none)'}: the system "
                    "sender is not trusted, the message is treated as the patient's",
                )
            )
        looks = reader.dsn_payloads or reader.report_type
        notice = self._notice_table
        hit = reader.hit(notice, reader.norm_subject) or (
            reader.hit(notice, reader.norm_notice[:4000]) if not looks else None
        )
        if looks or hit:
            evidence.append(
                Evidence(
                    "spoof-guard",
                    "header:From",
                    "looks like an automatic notice, but a patient can only write text and "
                    "attach files: treated as the patient's message" + (f" ({hit})" if hit else ""),
                )
            )
        return ReplyKind.PATIENT_MESSAGE, [], None, 0.95, False

    def _dsn(self, reader: _Reader, sender: _Sender, evidence: list[Evidence]) -> _Result | None:
        if not reader.dsn_payloads and reader.report_type not in _DSN_REPORTS:
            return None
        evidence.append(Evidence("dsn.structure", "multipart/report", "delivery-status report"))
        records: list[DsnRecord] = []
        for payload in reader.dsn_payloads[:4]:
            _, recs = read_delivery_status(payload, _MAX_RECIPIENTS)
            records.extend(recs)
        if not any(r.address for r in records):
            records = self._text_records(reader, sender) or records
        outcomes, confidence = self._outcomes(records, reader, evidence, structural=True)
        kind = _overall(outcomes)
        return kind, outcomes, None, confidence, True

    def _feedback(self, reader: _Reader, evidence: list[Evidence]) -> _Result | None:
        if reader.has_feedback or reader.report_type == "feedback-report":
            evidence.append(Evidence("arf.structure", "multipart/report", "feedback-report"))
            return ReplyKind.OTHER, [], None, 0.9, True
        return None

    def _test_ack(
        self, reader: _Reader, sender: _Sender, evidence: list[Evidence]
    ) -> _Result | None:
        if not sender.is_test_responder:
            return None
        evidence.append(Evidence("sender.test-responder", "header:From", sender.address))
        return ReplyKind.TEST_ACKNOWLEDGEMENT, [], None, 0.95, True

    def _text_bounce(
        self, reader: _Reader, sender: _Sender, evidence: list[Evidence]
    ) -> _Result | None:
        subject = reader.norm_subject
        notice = self._notice_table
        hit_subject = reader.hit(notice, subject)
        hit_body = None if hit_subject else reader.hit(notice, reader.norm_notice[:4000])
        if not (hit_subject or hit_body or (sender.is_system and not sender.null_only)):
            hit_subject = self._returned_with_cause(reader)
            if not hit_subject:
                return None
        if sender.is_system:
            evidence.append(Evidence("sender.system", "header:From", sender.why))
        if hit_subject:
            evidence.append(Evidence("phrase.bounce-notice", "header:Subject", hit_subject))
        elif hit_body:
            evidence.append(Evidence("phrase.bounce-notice", "body", hit_body))
        records = self._text_records(reader, sender)
        delay = reader.hit(self._delay_table, subject) or reader.hit(
            self._delay_table, reader.norm_notice[:4000]
        )
        if delay:
            evidence.append(Evidence("phrase.delivery-delayed", "header:Subject/body", delay))
            records = [
                _dsn_record(r.address, "delayed", r.status, r.reply_code, r.diagnostic)
                for r in records
            ]
            if not records:
                return ReplyKind.DELIVERY_DELAYED, [], None, 0.7, sender.is_system
        outcomes, confidence = self._outcomes(records, reader, evidence, structural=False)
        if not outcomes:
            # no recipient named: classify the notice as a whole
            kind, ev, conf = self._decide("", "", "", reader, command=reader.notice_command)
            if ev is not None:
                evidence.append(ev)
            kind = kind or ReplyKind.DELIVERY_FAILED
            if kind is ReplyKind.DELIVERY_FAILED and not (hit_subject or hit_body):
                # a system message with no failure wording (e.g. a postmaster notice)
                return None if not sender.is_system else (ReplyKind.OTHER, [], None, 0.5, True)
            confidence = conf
        else:
            kind = _overall(outcomes)
        if not sender.is_system:
            confidence = round(confidence * 0.8, 2)
        return kind, outcomes, None, confidence, sender.is_system

    def _returned_with_cause(self, reader: _Reader) -> str | None:
        """The subject's words when a message returns an original (a ``message/rfc822`` or
        headers part) and its subject names an address and a failure cause for it (unknown,
        closed, too large): a notice, whatever the sender's name ("Warning: <address> - User
        unknown!"). A person who forwards a message with a subject such as "adresse inconnue ?"
        names no address there."""
        if not reader.original_headers or "@" not in reader.subject:
            return None
        found = self._memo_rule(reader, _unaddressed(reader.subject), False, closed_only=False)
        if found is None or found[0].kind not in _CAUSES:
            return None
        return found[1]

    def _auto_reply(
        self, reader: _Reader, sender: _Sender, evidence: list[Evidence]
    ) -> _Result | None:
        msg = reader.headers
        auto = _mime.header(msg, "Auto-Submitted").lower()
        if auto.startswith(("auto-replied", "auto-generated")):
            evidence.append(Evidence("rfc3834.auto-submitted", "header:Auto-Submitted", auto))
            return ReplyKind.AUTO_REPLY, [], None, 0.9, False
        for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
            value = _mime.header(msg, name)
            if value and (name != "X-Auto-Response-Suppress" or "oof" in value.lower()):
                evidence.append(Evidence("rfc3834.header", f"header:{name}", value[:60]))
                return ReplyKind.AUTO_REPLY, [], None, 0.85, False
        precedence = _mime.header(msg, "Precedence").lower()
        if precedence in ("auto_reply", "auto-reply"):
            evidence.append(Evidence("rfc3834.precedence", "header:Precedence", precedence))
            return ReplyKind.AUTO_REPLY, [], None, 0.85, False
        hit = AUTO_REPLY_RULE.search(reader.norm_subject)
        if hit:
            evidence.append(Evidence("phrase.auto-reply-subject", "header:Subject", hit))
            return ReplyKind.AUTO_REPLY, [], None, 0.6, False
        hit = ABSENCE_RULE.search(reader.norm_notice[:1500])
        if hit:
            # an out-of-office text with no header to say so ("ma messagerie est fermée
            # jusqu'au 3 mars"): an absence, never a closed box
            evidence.append(Evidence("phrase.absence-text", "body", hit))
            return ReplyKind.AUTO_REPLY, [], None, 0.55, False
        return None

    def _read_notice(self, reader: _Reader, evidence: list[Evidence]) -> _Result | None:
        hit = READ_NOTICE_RULE.search(reader.norm_subject)
        if hit and READ_NOTICE_RULE.search(reader.norm_notice[:2000]):
            evidence.append(Evidence("phrase.read-notice", "header:Subject", hit))
            return ReplyKind.READ_RECEIPT, [], None, 0.5, False
        return None

    # -- helpers --------------------------------------------------------------------------

    def _text_records(self, reader: _Reader, sender: _Sender) -> list[DsnRecord]:
        notice = reader.notice
        records = fields_in_text(notice, _MAX_RECIPIENTS)
        if records:
            return records
        exclude = {sender.address}
        for name in ("To",):
            value = _mime.header(reader.headers, name)
            if value:
                exclude.add(_mime.bare_address(value).lower())
        out = []
        pairs = read_text_bounce(notice, exclude, _MAX_RECIPIENTS)
        if not pairs:
            pairs = [(a, "") for a in self._original_recipients(reader)]
        for address, text in pairs:
            out.append(
                _dsn_record(
                    address,
                    "failed",
                    status_in(text),
                    reply_code_in(text, failures_only=True),
                    text,
                )
            )
        return out

    def _original_recipients(self, reader: _Reader) -> list[str]:
        """The To/Cc of the returned original, when the notice names no recipient."""
        for original in reader.original_headers:
            values: list[str] = []
            if isinstance(original, Message):
                values = [_mime.header(original, "To"), _mime.header(original, "Cc")]
            else:
                values = [m.group(1) for m in _TO_LINE.finditer(original[:100000])]
            addrs = [a for v in values if v for a in _mime.find_addresses(v)]
            if addrs:
                return addrs[:_MAX_RECIPIENTS]
        m = _line_search(_TO_LINE, _TO_AFTER_EOL, reader.tail[:100000])
        return _mime.find_addresses(m.group(1))[:_MAX_RECIPIENTS] if m else []

    def _outcomes(
        self,
        records: Sequence[DsnRecord],
        reader: _Reader,
        evidence: list[Evidence],
        *,
        structural: bool,
    ) -> tuple[list[RecipientOutcome], float]:
        outcomes: list[RecipientOutcome] = []
        best = 0.0
        if not records and structural:
            found, why, certainty = self._decide("", "", "", reader, command=reader.notice_command)
            if why is not None:
                evidence.append(why)
            return [], certainty if found else 0.6
        for rec in records:
            action = rec.action
            command = ""
            kind: ReplyKind | None
            ev: Evidence | None
            if action == "delayed":
                kind = ReplyKind.DELIVERY_DELAYED
                ev = Evidence("dsn.action", "Action", "delayed")
                conf = 0.95
            elif action in _DELIVERED_ACTIONS or (
                action not in ("failed", "delayed") and rec.status.startswith("2.")
            ):
                kind = ReplyKind.DELIVERED
                ev = Evidence("dsn.action", "Action", action or rec.status)
                conf = 0.95
            else:
                whole = len(records) == 1
                command = self._command(rec.diagnostic, rec.address, reader, whole)
                kind, ev, conf = self._decide(
                    rec.diagnostic,
                    rec.address,
                    rec.status,
                    reader,
                    whole=whole,
                    command=command,
                    final=structural and action == "failed",
                    comment=rec.status_comment,
                )
                if kind is ReplyKind.RECIPIENT_NOT_FOUND and rec.diagnostic_type == "x-unix":
                    # the output of a local delivery program (a pipe, procmail): its words are
                    # about that program's own failure, not about the address
                    kind = ReplyKind.DELIVERY_FAILED
                    ev = Evidence("dsn.x-unix", "Diagnostic-Code", rec.diagnostic[:120])
                    conf = 0.7
                if kind is None:
                    kind = ReplyKind.DELIVERY_FAILED
                    ev = Evidence("dsn.action" if action else "default", "Action", action or "-")
                    conf = 0.6
            if ev is not None and len(evidence) < 40:
                evidence.append(
                    Evidence(ev.rule, f"{ev.source} [{rec.address or '?'}]", ev.excerpt)
                )
            if not structural:
                conf = min(conf, 0.85)
            best = max(best, conf)
            outcomes.append(
                _outcome(
                    rec.address,
                    _ins_of(rec.address) if rec.address else None,
                    kind or ReplyKind.DELIVERY_FAILED,
                    action,
                    rec.status,
                    rec.reply_code,
                    " ".join(rec.diagnostic.split())[:500],
                    command,
                )
            )
        return outcomes, best

    def _command(self, diagnostic: str, address: str, reader: _Reader, whole: bool) -> str:
        """The SMTP command one recipient's failure answered: its diagnostic, its lines in the
        notice, then the whole notice (or, for a report about several recipients, only a
        transcript exchange that names the address)."""
        command = smtp_command_in(diagnostic)
        if command or not reader.notice:
            return command
        if address:
            command = smtp_command_in(reader.block_about(address))
            if command:
                return command
        if whole:
            return reader.notice_command
        return smtp_command_in(reader.notice, address) if address else ""

    def _decide(
        self,
        diagnostic: str,
        address: str,
        status: str,
        reader: _Reader,
        *,
        whole: bool = True,
        command: str = "",
        final: bool = False,
        comment: str = "",
    ) -> tuple[ReplyKind | None, Evidence | None, float]:
        """Structured status classes, then phrase tables over each source, then the status code.

        ``whole``: the notice and the subject may speak for this recipient (single recipient).
        ``command``: the SMTP command the failure answered (``MAIL``, ``RCPT``, ``DATA``, ``""``).
        ``final``: an RFC 3464 record with ``Action: failed``.
        ``comment``: the words of the record's ``Status`` field after the code.
        """
        if not status:
            status = status_in(diagnostic)
        if status[2:] in ("1.7", "1.8") or status[2:].startswith(("1.7.", "1.8.")):
            # RFC 3463: x.1.7 / x.1.8 are about the *sender's* address, not the recipient
            return ReplyKind.DELIVERY_FAILED, Evidence("status.sender", "Status", status), 0.8
        kind, ev, conf = self._phrases(diagnostic, address, reader, whole, comment)
        if kind is None and status[1:] == ".0.0":
            # a Status field with no detail: the code the diagnostic gives, if any, says more
            status = status_in(diagnostic) or status
        if kind is None and status:
            for srule in self.status_rules:
                if srule.matches(status):
                    kind = srule.kind
                    ev = Evidence(f"status.{srule.name}", "Status", status)
                    conf = 0.7
                    break
        if kind in (ReplyKind.RECIPIENT_NOT_FOUND, ReplyKind.MAILBOX_CLOSED) and command == "MAIL":
            # refused at MAIL FROM, before any recipient was named: the words are about the
            # sender ("unknown", "does not exist", "disabled" ...), not about the patient
            excerpt = ev.excerpt if ev is not None else status
            return ReplyKind.DELIVERY_FAILED, Evidence("smtp.mail-from", "MAIL", excerpt), 0.8
        if kind is ReplyKind.RECIPIENT_NOT_FOUND:
            refined = self._refine_not_found(
                diagnostic, address, status, command, reader, ev, final=final
            )
            if refined is not None:
                return ReplyKind.DELIVERY_FAILED, refined, 0.7
        if kind is not None:
            return kind, ev, conf
        if not status and whole:
            status = status_in(reader.notice[:4000])
            for srule in self.status_rules:
                if srule.matches(status):
                    return srule.kind, Evidence(f"status.{srule.name}", "Status", status), 0.7
        return None, None, 0.5

    def _refine_not_found(
        self,
        diagnostic: str,
        address: str,
        status: str,
        command: str,
        reader: _Reader,
        ev: Evidence | None,
        *,
        final: bool = False,
    ) -> Evidence | None:
        """Why a RECIPIENT_NOT_FOUND verdict does not hold (the evidence), or None if it does."""
        if ev is not None and ev.rule.startswith("phrase.") and _TRANSIENT.search(ev.excerpt):
            return Evidence("phrase.transient", ev.source, ev.excerpt)
        if status.startswith("4."):
            # a transient (4.x.x) failure cannot prove that the recipient does not exist
            return Evidence("status.transient", "Status", status)
        policy = _policy_in(diagnostic, status)
        if policy:
            # a security/policy status (x.7.x) with words of refusal: a block, whatever a
            # relay's wrapper text says ("5.1.0 Unknown address error ... 5.7.1 Access denied")
            return Evidence("status.policy", "diagnostic", policy)
        if command == "DATA" and not _not_found_status(status):
            # "unknown user" answered to DATA, after the recipients were accepted: a filter on
            # the content or the sender, unless the reporting MTA's own status says addressing
            return Evidence("smtp.data-phase", "DATA", status or "no x.1.1/x.1.2/x.1.10 status")
        if not command:
            if (
                final
                and not _other_status(status, diagnostic)
                and not _POLICY_WORDS.search(_words(diagnostic[:2000]))
            ):
                # an RFC 3464 record says the delivery failed for good, and its "unknown user"
                # words are not contradicted: no stage after DATA, no policy block (a x.7.x
                # status above, or words of one here), no status of another kind (x.2-x.7:
                # mailbox, system, network ...)
                return None
            return self._unproven_reply(diagnostic, address, status, reader, ev)
        return None

    def _unproven_reply(
        self, diagnostic: str, address: str, status: str, reader: _Reader, ev: Evidence | None
    ) -> Evidence | None:
        """Why "unknown user" words quoted from a remote server's SMTP reply prove nothing here.

        A server answers for the address at RCPT TO (RFC 5321 §3.3); a refusal given later, at
        DATA, is about the message, and servers that filter content or senders often word it
        "user unknown". So when the words sit in a quoted reply (after its 4xx/5xx code), the
        report does not say which command the reply answered, and no addressing status (x.1.x)
        is given for this recipient, the failure is not proof that the patient is unknown.
        Wordings the reporting system writes itself ("patient non trouvé", "the address
        couldn't be found") are its own finding and are not concerned; nor are a caller's rules.
        """
        rule = self._builtin_not_found.get(ev.rule) if ev is not None else None
        if ev is None or rule is None:
            return None
        texts = [ev.excerpt, diagnostic[:4000]]
        if address and reader.notice:
            texts.append(reader.block_about(address))
        # every match holds ".1." (x.1.x): most texts are ruled out without the regex
        if any(".1." in text and _ADDRESSING_IN_TEXT.search(text) for text in texts):
            return None
        if _ADDRESSING_STATUS.fullmatch(status) and not any(status in text for text in texts):
            return None  # an x.1.x Status field (not a number read from the words above)
        if not any(_quoted_reply(text, rule, normalised=i == 0) for i, text in enumerate(texts)):
            return None
        return Evidence("smtp.stage-unknown", ev.source, ev.excerpt)

    def _phrases(
        self, diagnostic: str, address: str, reader: _Reader, whole: bool, comment: str = ""
    ) -> tuple[ReplyKind | None, Evidence | None, float]:
        # (source, what to read, per recipient, confidence), in order; each text is only made
        # (the recipient's block cut out, the notice normalised) when the rules come to it
        sources: list[tuple[str, str, bool, float]] = []
        if diagnostic:
            sources.append(("diagnostic", "diagnostic", True, 0.95))
        if comment:
            sources.append(("Status", "comment", True, 0.9))
        if address and reader.notice:
            sources.append(("body", "block", True, 0.9))
        if reader.notice and whole:
            sources.append(("body", "notice", False, 0.85))
        if reader.subject and whole:
            sources.append(("header:Subject", "subject", False, 0.8))

        def text_of(what: str) -> str:
            if what == "diagnostic":
                return reader.unaddressed(diagnostic[:4000])
            if what == "comment":
                return reader.unaddressed(comment)
            if what == "block":
                block = reader.block_about(address)
                return reader.unaddressed(block) if block else ""
            return reader.norm_notice if what == "notice" else reader.norm_subject

        for i, (source, what, per_recipient, conf) in enumerate(sources):
            text = text_of(what)
            if not text and what == "block":
                continue  # the notice says nothing of this recipient
            found = self._memo_rule(reader, text, per_recipient, closed_only=False)
            if found is None:
                continue
            rule, hit = found
            if rule.kind is ReplyKind.RECIPIENT_NOT_FOUND:
                # a closed/disabled/suspended account outranks "unknown" anywhere this
                # recipient is spoken of: disabled accounts often answer "user unknown"
                for source2, what2, per_recipient2, conf2 in sources[i + 1 :]:
                    text2 = text_of(what2)
                    if not text2 and what2 == "block":
                        continue
                    closed = self._memo_rule(reader, text2, per_recipient2, closed_only=True)
                    if closed is not None:
                        rule2, hit2 = closed
                        return rule2.kind, Evidence(f"phrase.{rule2.name}", source2, hit2), conf2
            return rule.kind, Evidence(f"phrase.{rule.name}", source, hit), conf
        return None, None, 0.5

    def _memo_rule(
        self, reader: _Reader, text: str, per_recipient: bool, *, closed_only: bool
    ) -> tuple[PhraseRule, str] | None:
        return reader.first(self._tables[closed_only, per_recipient], text)

    def _original_id(self, reader: _Reader, kind: ReplyKind) -> str | None:
        if reader.mdn_original:
            return reader.mdn_original
        for original in reader.original_headers:
            ids: list[str] = []
            if isinstance(original, Message):
                ids = _mime.message_ids(_mime.header(original, "Message-ID"))
            else:
                m = _line_search(_MSGID_LINE, _MSGID_AFTER_EOL, original[:200000])
                if m:
                    ids = _mime.message_ids(m.group(1))
            if ids:
                return ids[0]
        for name in ("In-Reply-To", "References"):
            ids = _mime.message_ids(_mime.header(reader.headers, name))
            if ids:
                return ids[0] if name == "In-Reply-To" else ids[-1]
        if kind.is_failure or kind in (ReplyKind.DELIVERY_DELAYED, ReplyKind.DELIVERED):
            for text in [reader.tail, *reader.texts[1:]]:
                m = _line_search(_MSGID_LINE, _MSGID_AFTER_EOL, text[:200000])
                if m:
                    ids = _mime.message_ids(m.group(1))
                    if ids:
                        return ids[0]
        return None


_CAUSES = frozenset(
    {ReplyKind.RECIPIENT_NOT_FOUND, ReplyKind.MAILBOX_CLOSED, ReplyKind.MESSAGE_TOO_LARGE}
)
_TRANSIENT = re.compile(r"\btry again\b|\btemporar(y|ily)\b|\bessayez plus tard\b")
_POLICY_WORDS = re.compile(
    r"\b(access denied|acces (refuse|interdit)|banned|block(ed|ing)?\b|block ?list|"
    r"black ?list|deny ?list|spam|policy|reputation)"
)
#: A reply code followed by words of its reply (in normalised text).
_REPLY_CODE_THEN_TEXT = re.compile(
    FAILURE_REPLY_CODE.pattern + r"(?=[ ,:;'-]+[a-z]{2})", re.I | re.M
)
#: An x.1.x status about the recipient's address (x.1.7 and x.1.8 are about the sender's).
_ADDRESSING = r"[45]\.1\.(?![78](?![\d.]))\d{1,3}"
_ADDRESSING_STATUS = re.compile(_ADDRESSING)
#: The same inside words, where a report puts a status: after a reply code ("550 5.1.1",
#: "550-5.1.1", "550: 5.1.1", "550 #5.1.0"), a "Status:" or "code :" label, an opening
#: bracket or ";", or at the start of a line -- not a version number ("MailSrv 5.1.3").
_ADDRESSING_IN_TEXT = re.compile(
    r"(?:^[ \t]*|(?<![\w.])[45]\d\d[ :-]{1,3}|(?:status|code)[ \t]*:?[ \t]*|[;(\[][ \t]*)"
    rf"#?(?<![\d.]){_ADDRESSING}(?![\d.])",
    re.I | re.M,
)
_BUILTIN_NOT_FOUND = ("recipient-not-found.en", "recipient-not-found.fr")


def _policy_in(diagnostic: str, status: str) -> str:
    """The refusal words of ``diagnostic`` when it, or ``status``, has a x.7.x status."""
    if not (
        status[1:3] == ".7" or any(m.group(2) == "7" for m in STATUS_CODE.finditer(diagnostic))
    ):
        return ""
    m = _POLICY_WORDS.search(_words(diagnostic[:2000]))
    return m.group(0) if m else ""


def _other_status(status: str, diagnostic: str) -> bool:
    """Whether the record's status, or a status the diagnostic starts with, is of a kind other
    than addressing or unspecified (RFC 3463 subjects 2 to 7: mailbox, system, network, protocol,
    content, security), e.g. ``5.2.1`` or ``5.3.0 - Other mail system problem 550 ...``."""
    lead = STATUS_CODE.match(diagnostic.lstrip("#( "))
    return any(s[2:3] in "234567" for s in (status, lead.group(0) if lead else "") if s)


def _quoted_reply(text: str, rule: PhraseRule, *, normalised: bool) -> bool:
    """Whether ``rule``'s words in ``text`` belong to a quoted 4xx/5xx reply: they come after
    its code, or they label a reply that follows them ("Invalid Address, ERROR_CODE :550, ...").
    A code after the words with no reply text of its own ("... (erreur 550)") does not count.
    """
    if not text:
        return False
    norm = text if normalised else _unaddressed(text)
    # a pattern none of whose required words is in the text cannot match there: skipped
    starts: list[int] = []
    for words, searcher in rule.searchers:
        if words is not None:
            for w in words:
                if w in norm:
                    break
            else:
                continue
        m = searcher.search(norm)
        if m is not None:
            starts.append(m.start())
    if not starts:
        return False
    start = min(starts)
    return (
        FAILURE_REPLY_CODE.search(norm[:start]) is not None
        or _REPLY_CODE_THEN_TEXT.search(norm, start) is not None
    )


def _own_lines(block: str, address: str) -> str:
    """The lines of ``block`` up to the next line that starts with another address."""
    lines = block.split("\n")
    want = address.lower()
    for i, line in enumerate(lines[1:], 1):
        first = line.split(None, 1)[0] if line.strip() else ""
        if "@" in first and want not in first.lower():
            return "\n".join(lines[:i])
    return block


def _not_found_status(status: str) -> bool:
    """Whether ``status`` is one of :data:`NOT_FOUND_STATUSES` (x.1.1, x.1.2, x.1.10)."""
    return any(status[1:] == p for p in NOT_FOUND_STATUSES)


def _patient_ins(
    kind: ReplyKind, recipients: Sequence[RecipientOutcome], sender: _Sender
) -> Ins | None:
    """The INS of the patient a verdict concerns (see :attr:`Classification.patient_ins`)."""
    if kind is ReplyKind.PATIENT_MESSAGE:
        return _ins_of(sender.patient_address)
    for pick in (lambda k: k.is_failure, lambda k: True):
        for r in recipients:
            if r.ins is not None and pick(r.kind):
                return r.ins
    if kind is ReplyKind.READ_RECEIPT and sender.is_patient:
        return _ins_of(sender.patient_address)
    return None


_TO_LINE = re.compile(r"(?im)^(?:to|cc):[ \t]*(.*(?:\n[ \t]+.*)*)")
_TO_AFTER_EOL = _line_end_form(_TO_LINE)
_QUOTE = re.compile(r"(?m)^(?:> ?)+")
#: A header line of a forwarded message, as mail programs quote it ("From: ...", "Date: ...").
_FORWARDED_HEADER = re.compile(r"(?i)(?:from|date|sent|to|cc|subject|message-id|reply-to)[ \t]*:")
_ANY_HEADER = re.compile(r"[A-Za-z][\w-]{0,60}[ \t]*:")


def _forwarded_body(text: str) -> str:
    """The text of a bounce that ``text`` forwards, or ``text`` when it forwards none.

    Mail programs write the forwarded message's headers (``From:``, ``Date:``, ``Subject:``
    ...) first, after a line or two of the forwarder's own: what follows the blank line after
    that block is the bounce itself. The block must start within the first 10 lines, hold at
    least two of those header names (other fields, such as Outlook's ``Importance:``, may sit
    among them) and introduce a bounce: a system ``From`` (MAILER-DAEMON, postmaster, mail
    delivery) or a bounce ``Subject``. A bounce that quotes the *original* message with ``>``
    is left whole.
    """
    lines = text.split("\n", 80)
    start = next((i for i, line in enumerate(lines[:10]) if _FORWARDED_HEADER.match(line)), -1)
    if start < 0:
        return text
    end = start
    known = 0
    bounce = False
    while end < len(lines) - 1:
        line = lines[end]
        if _FORWARDED_HEADER.match(line):
            known += 1
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "from":
                found = _address_of(value.strip())
                local = found.rpartition("@")[0] if "@" in found else found
                bounce = bounce or _is_system_local(local)
            elif name == "subject":
                bounce = bounce or NOTICE_RULE.search(_words(value)) is not None
        elif not (_ANY_HEADER.match(line) or (end > start and line[:1] in (" ", "\t"))):
            break
        end += 1
    if known < 2 or not bounce or lines[end].strip():
        return text
    return "\n".join(lines[end + 1 :])


_Result = tuple[ReplyKind, list[RecipientOutcome], Disposition | None, float, bool]
_MSGID_LINE = re.compile(r"(?im)^message-id:[ \t]*((?:.*)(?:\n[ \t]+.*)?)")
_MSGID_AFTER_EOL = _line_end_form(_MSGID_LINE)


_ADDRESS_WORD = re.compile(r"(?<![^ ])[^ ]*@[^ ]*")  # a whole word (from its start) with an "@"


def _unaddressed(text: str) -> str:
    """Normalise ``text`` with e-mail addresses blanked, so that ``filtered@...`` is no phrase,
    and underscores read as spaces (:func:`_spaced`)."""
    if "@" not in text:
        return _words(text)
    if text.isascii():
        # what normalise() gives, with the words that hold an "@" replaced: the words are
        # joined by single spaces and hold no white space, so [^ ]* spans one word
        return _spaced(_blank_address_words(" ".join(text.lower().split())))
    return _spaced(normalise(_blank_address_words(" ".join(text.split()))))


def _words(text: str) -> str:
    """``text`` as every phrase of the classifier reads it: :func:`~mssc.mime.normalise`, then
    :func:`_spaced` (addresses are not blanked: :func:`_unaddressed` does that too)."""
    return _spaced(normalise(text))


def _spaced(text: str) -> str:
    """A normalised ``text`` with each run of underscores read as a space: a symbolic code
    (``BAL_FERMEE``, ``PATIENT_INCONNU``, ``RECIPIENT_NOT_FOUND``) is read as its words.
    Addresses are blanked before (``jean_dupont@...`` stays one address)."""
    if "_" not in text:
        return text
    spaced = text.replace("_", " ")
    if "  " in spaced or spaced[0] == " " or spaced[-1] == " ":
        return " ".join(spaced.split())  # a run of them, or one at an end
    return spaced


def _blank_address_words(text: str) -> str:
    """``_ADDRESS_WORD.sub(ADDRESS_BLANK, text)`` for words joined by single spaces: each word
    that holds an "@" becomes ``<address>`` (found from each "@", not tried at every word)."""
    at = text.find("@")
    if at < 0:
        return text
    out: list[str] = []
    pos = 0
    while at >= 0:
        start = text.rfind(" ", 0, at) + 1
        end = text.find(" ", at)
        end = len(text) if end < 0 else end
        out.append(text[pos:start])
        out.append(ADDRESS_BLANK)
        pos = end
        at = text.find("@", end)
    out.append(text[pos:])
    return "".join(out)


def _block_about(notice: str, address: str, lower: str | None = None) -> str:
    """The lines of ``notice`` from the first mention of ``address`` to the next blank line, or
    to the next line that starts with another address (recipients listed line after line).

    ``lower``: ``notice.lower()``, when the caller has it already.
    """
    low = notice.lower() if lower is None else lower
    address_low = address.lower()
    if _lowers_in_place(notice, low) and _lowers_in_place(address, address_low):
        i = low.find(address_low)
    else:
        # lower-casing moved offsets ("İ") or differs from the engine's case folding (ı, ſ):
        # the engine's case-insensitive search, on the text itself
        found = re.search(re.escape(address), notice, re.IGNORECASE)
        i = found.start() if found else -1
    if i < 0:
        return ""
    start = notice.rfind("\n", 0, i) + 1
    end = notice.find("\n\n", i)
    end = len(notice) if end < 0 else end
    return _own_sentences(_own_lines(notice[start : min(end, start + 3000)], address), address)


#: Where a sentence ends within a block: after ".", ";", "!" or "?", the white space (kept, so
#: that the lines stay lines); an address's own dots have none after them.
_SENTENCE_END = re.compile(r"(?<=[.;!?])(\s+)(?=\S)")


def _own_sentences(block: str, address: str) -> str:
    """``block`` without the sentences that name another address and not ``address``: those
    are about another recipient ("Le destinataire <a> a fermé sa messagerie. Le destinataire
    <b> est inconnu."). Sentences that name no address (a reason given for all) are kept."""
    low = block.lower()
    want = address.lower()
    if low.count("@") <= low.count(want):
        return block  # no other address in it
    pieces = _SENTENCE_END.split(block)  # sentence, white space, sentence ...
    if len(pieces) == 1:
        return block
    kept: list[str] = []
    for i in range(0, len(pieces), 2):
        sentence = pieces[i]
        if "@" in sentence and want not in sentence.lower():
            continue  # about other recipients only
        kept.append(sentence)
        if i + 1 < len(pieces):
            kept.append(pieces[i + 1])
    return "".join(kept).rstrip() if kept else block


def _overall(outcomes: Sequence[RecipientOutcome]) -> ReplyKind:
    for pick in (
        lambda k: k.is_failure,
        lambda k: k is ReplyKind.DELIVERY_DELAYED,
        lambda k: k is ReplyKind.DELIVERED,
    ):
        for o in outcomes:
            if pick(o.kind):
                return o.kind
    return ReplyKind.DELIVERY_FAILED


def _merge(builtin: Sequence[_R], extra: Sequence[_R]) -> tuple[_R, ...]:
    replaced: dict[str, _R] = {r.name: r for r in extra}
    merged: list[_R] = [replaced.pop(r.name, r) for r in builtin]
    return tuple(list(replaced.values()) + merged)


_DEFAULT: Classifier | None = None


def classify(raw: bytes | str | Message) -> Classification:
    """Classify a message that came back to a professional's box (see :class:`Classifier`).

    Raises:
        TypeError: when ``raw`` is not bytes, str or an ``email.message.Message``.
    """
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Classifier()
    return _DEFAULT.classify(raw)
