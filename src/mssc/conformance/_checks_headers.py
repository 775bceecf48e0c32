"""The checks of an outgoing message's header section: ids, threading, addresses, MSS headers,
the subject, and the RFC 5322 syntax rules."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterator
from typing import Final

from mssc.addresses import (
    PATIENT_DOMAIN,
    TEST_RESPONDER,
    is_mssante_address,
    normalize_address,
    parse_patient_address,
)
from mssc.conformance._facts import Facts
from mssc.conformance._model import Finding, Rule
from mssc.conformance._read import decode_words
from mssc.conformance._registry import checks
from mssc.errors import HeaderInjection, InvalidAddress
from mssc.headers import MAX_MSG_ID_LENGTH, contains_fin_word, parse_msg_id

__all__: list[str] = []

_COMMENT = re.compile(r"\([^()]*\)")
_MSG_ID_TOKEN = re.compile(r"<[^<>]*>")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_BARE_LF = re.compile(rb"(?<!\r)\n")
_BARE_CR = re.compile(rb"\r(?!\n)")
# The domain of a patient box, in any case, with an optional final dot.
_PATIENT_AT = re.compile(r"@patient\.mssante\.fr\b\.?", re.I)
# Characters of a local part that the raw scan walks back over from "@patient.mssante.fr".
_LOCAL_BACKWARDS = re.compile(r"[^\s<>,;:\"()\[\]@]{1,256}")
# A personal label: [Titre_]Prénom_NOM[_Entité] (Ref#2 ECO.2.2.7).
_UPPER_NAME = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ '\-])*$")
_RECIPIENT_HEADERS: Final = ("To", "Cc", "Bcc")
_SINGLETONS: Final = (
    "Date",
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Bcc",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Subject",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Disposition-Notification-To",
    "X-MSS-NIL",
    "X-MSS-MES",
)


def _is_msg_id(value: str) -> bool:
    """Whether ``value`` is one strict ``<left@right>`` msg-id (the rule mssc writes by)."""
    if len(value.strip()) > MAX_MSG_ID_LENGTH:
        return False  # before parse_msg_id, which asks the stdlib to decode the value
    try:
        parse_msg_id(value)
    except HeaderInjection:
        return False
    return True


def _msg_ids(value: str) -> tuple[list[str], bool]:
    """Split a msg-id list; return the ids and whether the whole value is well formed."""
    text = _COMMENT.sub(" ", value)
    ids = _MSG_ID_TOKEN.findall(text)
    rest = _MSG_ID_TOKEN.sub(" ", text).strip()
    well_formed = bool(ids) and not rest and all(_is_msg_id(i) for i in ids)
    return ids, well_formed


def patient_tokens(value: str) -> Iterator[str]:
    """Patient addresses written in ``value``, even where the stdlib address parser gives up.

    Linear: each ``@patient.mssante.fr`` is found once, and its local part is read backwards
    over at most 256 characters (no local part is longer than 64).
    """
    reverse = value[::-1]
    for match in _PATIENT_AT.finditer(value):
        local = _LOCAL_BACKWARDS.match(reverse, len(value) - match.start())
        if local:
            yield local.group(0)[::-1] + match.group(0)


@checks("MSSC001", "MSSC002")
def _message_id(m: Facts, missing: Rule, malformed: Rule) -> Iterator[Finding]:
    value = m.first("Message-ID")
    where = "header:Message-ID"
    if value is None or not value.strip():
        yield missing.finding(
            "the message has no Message-ID",
            hint="add a Message-ID on the sender's domain, such as <uuid@hopital.mssante.fr>",
            where=where,
        )
    elif not _is_msg_id(_COMMENT.sub(" ", value).strip()):  # CFWS may surround a msg-id
        yield malformed.finding(
            f"the Message-ID {value.strip()[:200]!r} is not one strict <left@right> msg-id",
            hint="generate ids like <random@sender-domain>, angle brackets included",
            where=where,
        )


@checks("MSSC003", "MSSC004", "MSSC005")
def _threading(
    m: Facts, bad_in_reply_to: Rule, unmatched: Rule, bad_references: Rule
) -> Iterator[Finding]:
    irt = m.first("In-Reply-To")
    refs = m.first("References")
    irt_ids: list[str] = []
    if irt is not None:
        irt_ids, ok = _msg_ids(irt)
        if not ok:
            yield bad_in_reply_to.finding(
                f"In-Reply-To {irt.strip()[:200]!r} is not a list of well-formed msg-ids",
                hint="copy the parent's Message-ID as is, angle brackets included",
                where="header:In-Reply-To",
            )
    ref_ids: list[str] = []
    if refs is not None:
        ref_ids, ok = _msg_ids(refs)
        if not ok:
            yield bad_references.finding(
                f"References {refs.strip()[:200]!r} is not a list of well-formed msg-ids",
                hint="References is the parent's References plus the parent's Message-ID",
                where="header:References",
            )
    if irt is None or not irt_ids:
        return
    if refs is None:
        yield unmatched.finding(
            "the message is a reply (In-Reply-To) but has no References",
            hint="set References to the parent's References followed by its Message-ID",
            where="header:References",
        )
    elif not ref_ids or ref_ids[-1] not in irt_ids:
        last = ref_ids[-1] if ref_ids else "nothing"
        yield unmatched.finding(
            f"References ends with {last[:200]}, not with the In-Reply-To id {irt_ids[-1][:200]}",
            hint="References must end with the parent's Message-ID (RFC 5322 §3.6.4)",
            where="header:References",
        )


@checks("MSSC009", "MSSC010", "MSSC011")
def _recipients(m: Facts, bad_ins: Rule, several: Rule, none: Rule) -> Iterator[Finding]:
    patients: dict[str, str] = {}
    to_responder = invalid = False
    for name in _RECIPIENT_HEADERS:
        specs = [a.addr_spec for a in m.addresses(name)]
        # The stdlib parser drops what it cannot read ("a@x b@y", "a@x; b@y") while a
        # server may still deliver it: patient addresses in the raw text count too.
        for value in m.raw_values(name):
            specs.extend(patient_tokens(value))
        seen: set[str] = set()
        for spec in specs:
            local, _, domain = spec.rpartition("@")
            domain = domain.lower().rstrip(".")  # servers drop an FQDN's final dot
            if domain != PATIENT_DOMAIN or f"{local}@{domain}".lower() in seen:
                continue
            seen.add(f"{local}@{domain}".lower())
            spec = f"{local}@{domain}"
            if spec.lower() == TEST_RESPONDER:
                to_responder = True
                continue
            try:
                ins = parse_patient_address(spec)
            except InvalidAddress as exc:
                invalid = True
                yield bad_ins.finding(
                    f"{spec!r} is not a valid patient address: {exc.message}",
                    hint=exc.hint or "build the address from the patient's qualified INS",
                    where=f"header:{name}",
                )
                continue
            patients.setdefault(ins.matricule, name)
    if len(patients) > 1:
        yield several.finding(
            f"the message goes to {len(patients)} patients "
            f"({', '.join(sorted(patients))}); each would see the others' addresses",
            hint="send one message per patient",
            where="header:" + "/".join(sorted(set(patients.values()))),
        )
    if not patients and not to_responder and not invalid:
        yield none.finding(
            f"no recipient is a patient address (@{PATIENT_DOMAIN}) or the TEST responder",
            hint="address the message to the patient's MSS-C address, built from the INS",
            where="header:To",
        )


def _personal_label_problem(label: str) -> str:
    """Say how a personal label departs from Titre_Prénom_NOM_Entité ("" when it fits)."""
    segments = label.split("_")
    if len(segments) < 2:
        return "has no underscore between first name and NOM"
    if len(segments) > 4:
        return f"has {len(segments)} parts; at most 4 (Titre, Prénom, NOM, Entité)"
    if any(not s.strip() for s in segments):
        return "has an empty part between underscores"
    # NOM is the 2nd part (Prénom_NOM…) or the 3rd (Titre_Prénom_NOM…).
    candidates = segments[1:3]
    if not any(_UPPER_NAME.match(s) and s == s.upper() for s in candidates):
        return "has no NOM in capitals after the first name"
    return ""


@checks("MSSC012", "MSSC013", "MSSC014")
def _sender(m: Facts, invalid: Rule, unnamed: Rule, label_form: Rule) -> Iterator[Finding]:
    addr = m.from_address
    where = "header:From"
    if addr is None or not addr.addr_spec or "@" not in addr.addr_spec:
        yield invalid.finding(
            "the From header is missing or does not hold exactly one address",
            hint="set From to the sending MSSanté box, with its label as display name",
            where=where,
        )
        return
    if not is_mssante_address(addr.addr_spec):
        yield invalid.finding(
            f"the sender {addr.addr_spec!r} is not an MSSanté address (*.mssante.fr)",
            hint="send from a personal, organisational or applicative MSSanté box",
            where=where,
        )
    label = addr.display_name.strip()
    if not label or label.lower() in {addr.addr_spec.lower(), addr.username.lower()}:
        problem = (
            "has no display name: MES would show the patient a bare address"
            if not label
            else f"is named {label!r}, which only repeats its address: the patient "
            "cannot tell from it which person or service writes"
        )
        yield unnamed.finding(
            f"the sender {addr.addr_spec!r} {problem}",
            hint="use the box label, e.g. Dr_Marie_MARTIN_Cabinet (personal) or the "
            "service name (organisational, applicative)",
            where=where,
        )
        return
    kind = m.kind(addr)
    if kind == "PER" or (kind is None and "_" in label):
        problem = _personal_label_problem(label)
        if problem:
            yield label_form.finding(
                f"the personal label {label!r} {problem}",
                hint="write <Titre>_<Prénom>_<NOM>_<Entité> with underscores, NOM in capitals;"
                " only Prénom and NOM are required",
                where=where,
            )


@checks("MSSC015", "MSSC016", "MSSC025")
def _mss_headers(m: Facts, not_fin: Rule, no_nil: Rule, closes: Rule) -> Iterator[Finding]:
    # The raw value: MES matches the three capitals, an encoded word =?…?FIN?= is not FIN.
    for value in m.raw_values("X-MSS-MES"):
        if value != "FIN":
            yield not_fin.finding(
                f"X-MSS-MES is {value[:200]!r}; the only value is FIN",
                hint="write exactly 'X-MSS-MES: FIN' to close, or leave the header out",
                where="header:X-MSS-MES",
            )
        else:
            yield closes.finding(
                "X-MSS-MES: FIN closes the conversation: the patient cannot reply",
                where="header:X-MSS-MES",
            )
    nil = m.first("X-MSS-NIL")
    if nil is None or not nil.strip():
        yield no_nil.finding(
            "X-MSS-NIL is missing" if nil is None else "X-MSS-NIL is empty",
            hint="set X-MSS-NIL to the product reference of your software's Ségur "
            "declaration (Composer(product_reference=...))",
            where="header:X-MSS-NIL",
        )


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower().rstrip(".")


@checks("MSSC017", "MSSC036")
def _receipt(m: Facts, not_one: Rule, outside: Rule) -> Iterator[Finding]:
    where = "header:Disposition-Notification-To"
    # The sending structure: the domains of From and Sender, and of an MSSanté Reply-To (the
    # return box, where Composer(read_receipt=True) asks for the receipt).
    senders = {_domain(a.addr_spec) for n in ("From", "Sender") for a in m.addresses(n)}
    senders.update(
        _domain(a.addr_spec) for a in m.addresses("Reply-To") if is_mssante_address(a.addr_spec)
    )
    for value in m.raw_values("Disposition-Notification-To"):
        shown = decode_words(value)
        addrs = m.addresses_in(value, "Disposition-Notification-To")
        problem = ""
        if len(addrs) != 1:
            problem = f"names {len(addrs)} addresses"
        else:
            try:
                normalize_address(addrs[0].addr_spec)
            except InvalidAddress as exc:
                problem = f"holds an invalid address: {exc.message}"
        if problem:
            yield not_one.finding(
                f"Disposition-Notification-To {shown.strip()[:200]!r} {problem}",
                hint="ask for the receipt at one address: the sender or the return box",
                where=where,
            )
            continue
        spec = addrs[0].addr_spec
        if not is_mssante_address(spec):
            yield outside.finding(
                f"the read receipt would go to {spec!r}, which is not an MSSanté box "
                "(*.mssante.fr): a patient's receipt must not leave the health messaging space",
                hint="ask for the receipt at the sender's own MSSanté address",
                where=where,
            )
        elif senders and _domain(spec) not in senders:
            yield outside.finding(
                f"the read receipt would go to {spec!r}, outside the sending structure "
                f"({', '.join(sorted(senders))})",
                hint="ask for the receipt at a box of the structure that sends (the From or "
                "Reply-To address, or a box on their domain)",
                where=where,
            )


@checks("MSSC022", "MSSC023", "MSSC024")
def _subject(m: Facts, closure: Rule, fin_word: Rule, no_header: Rule) -> Iterator[Finding]:
    subject = m.first("Subject") or ""
    closes = "FIN" in m.raw_values("X-MSS-MES")
    if subject == "[FIN]":
        yield closure.finding(
            "the subject [FIN] closes the conversation: the patient cannot reply",
            where="header:Subject",
        )
        if not closes:
            yield no_header.finding(
                "the subject is [FIN] but the header X-MSS-MES: FIN is missing",
                hint="add X-MSS-MES: FIN (Composer.closure() sets both)",
                where="header:X-MSS-MES",
            )
    elif not closes and contains_fin_word(subject):
        yield fin_word.finding(
            f"the subject {subject[:200]!r} has the word FIN, which may close the conversation",
            hint="rephrase (e.g. 'sortie' instead of 'fin'), or close on purpose with "
            "X-MSS-MES: FIN",
            where="header:Subject",
        )


@checks("MSSC027", "MSSC028")
def _return_address(m: Facts, missing: Rule, outside: Rule) -> Iterator[Finding]:
    for addr in m.addresses("Reply-To"):
        if not is_mssante_address(addr.addr_spec):
            yield outside.finding(
                f"Reply-To {addr.addr_spec!r} is not an MSSanté address",
                hint="point Reply-To to an organisational MSSanté box (*.mssante.fr)",
                where="header:Reply-To",
            )
    if not m.count("Reply-To") and m.kind(m.from_address) == "APP":
        yield missing.finding(
            "the sender is an applicative box and the message has no Reply-To",
            hint="add a Reply-To to the organisational box that reads the patients' replies",
            where="header:Reply-To",
        )


def _first_long_line(raw: bytes, limit: int = 998) -> int:
    """The 1-based number of the first line longer than ``limit`` octets (0 when none).

    CR, LF and CRLF all end a line. Linear, with C-speed splits.
    """
    if len(raw) <= limit:
        return 0
    lines = raw.splitlines()
    if max(map(len, lines)) <= limit:  # at C speed: the usual case ends here
        return 0
    for line in lines:
        if len(line) > limit:
            return raw.count(b"\n", 0, raw.find(line)) + 1
    return 0


@checks("MSSC029", "MSSC030", "MSSC031", "MSSC032")
def _rfc5322(
    m: Facts, control: Rule, long_line: Rule, non_ascii: Rule, duplicate: Rule
) -> Iterator[Finding]:
    head = m.head
    if _RAW_CONTROL.search(head) or (
        b"\r\n" in head and (_BARE_LF.search(head) or _BARE_CR.search(head))
    ):
        yield control.finding(
            "the header section has a control character or a stray CR or LF",
            hint="reject CR, LF, NUL and other control characters in every header value",
            where="headers",
        )
    else:
        for name, value in m.decoded_fields:
            if _CONTROL.search(value.replace("\t", " ")):
                yield control.finding(
                    f"the {name} header has a control character once decoded",
                    hint="an encoded word (=?…?=) must not hide CR, LF or other controls",
                    where=f"header:{name}",
                )
    line_no = _first_long_line(m.raw)
    if line_no:
        yield long_line.finding(
            f"line {line_no} is longer than 998 octets",
            hint="fold long headers and use quoted-printable or base64 for long body lines",
            where=f"line {line_no}",
        )
    raw_non_ascii = _NON_ASCII.search(head)
    if raw_non_ascii:
        line_no = head.count(b"\n", 0, raw_non_ascii.start()) + 1
        yield non_ascii.finding(
            f"header line {line_no} has raw non-ASCII octets",
            hint="encode non-ASCII header text with RFC 2047 encoded words",
            where=f"line {line_no}",
        )
    for name in _SINGLETONS:
        count = m.count(name)
        if count > 1:
            yield duplicate.finding(
                f"the {name} header appears {count} times",
                hint=f"keep exactly one {name} header",
                where=f"header:{name}",
            )


@checks("MSSC033")
def _date(m: Facts, invalid: Rule) -> Iterator[Finding]:
    value = m.first("Date")
    problem = "is missing" if value is None else ""
    if value is not None:
        try:
            parsed = email.utils.parsedate_to_datetime(value[:200])
        except (TypeError, ValueError, IndexError):
            parsed = None
        if parsed is None or len(value) > 200:
            problem = f"{value.strip()[:200]!r} is not a valid date-time"
    if problem:
        yield invalid.finding(
            f"the Date header {problem}",
            hint="set Date with email.utils.format_datetime(an aware datetime)",
            where="header:Date",
        )
