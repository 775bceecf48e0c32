"""Reading delivery reports: RFC 3464 ``message/delivery-status`` and plain-text MTA bounces.

Two readers, both bounded and never raising:

- :func:`read_delivery_status` reads the machine-readable part of a DSN (or DSN fields written
  inside a text part), one record per recipient, tolerating missing fields, a missing
  ``rfc822;`` prefix and any case in field names.
- :func:`read_text_bounce` reads the human-readable notice of MTAs that send no DSN (qmail,
  old Sendmail, Exim, Exchange, Postfix notices) and finds, for each failed address, the lines
  that explain it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from email.message import Message
from email.policy import Compat32
from typing import Any

from mssc._slots import new_object, slot_setters
from mssc.mime import bare_address, header_text, payload_text_of
from mssc.replies.model import DsnRecord
from mssc.replies.phrases import _required_words

__all__ = [
    "DsnRecord",
    "read_delivery_status",
    "read_text_bounce",
    "smtp_command_in",
    "split_notice",
]


# Built with the slots' setters (mssc._slots; tests/test_replies_rules.py compares
# _dsn_record with the constructor).
(
    _SET_ADDRESS,
    _SET_ACTION,
    _SET_STATUS,
    _SET_REPLY_CODE,
    _SET_DIAGNOSTIC,
    _SET_ORIGINAL,
    _SET_TYPE,
    _SET_COMMENT,
) = slot_setters(DsnRecord)


def _dsn_record(
    address: str,
    action: str,
    status: str,
    reply_code: str,
    diagnostic: str,
    original_recipient: str = "",
    diagnostic_type: str = "",
    status_comment: str = "",
) -> DsnRecord:
    """``DsnRecord`` with its fields given in order."""
    rec: DsnRecord = new_object(DsnRecord)
    _SET_ADDRESS(rec, address)
    _SET_ACTION(rec, action)
    _SET_STATUS(rec, status)
    _SET_REPLY_CODE(rec, reply_code)
    _SET_DIAGNOSTIC(rec, diagnostic)
    _SET_ORIGINAL(rec, original_recipient)
    _SET_TYPE(rec, diagnostic_type)
    _SET_COMMENT(rec, status_comment)
    return rec


#: An enhanced status code (RFC 3463: ``5.1.1``): class, subject and detail as groups 1-3,
#: not inside a longer dotted number. The guard on the
#: character before it comes after the first digit (``(?<![\d.][245])``: the same test, one
#: character later) so that the search can skip ahead to the digits 2, 4 and 5 instead of
#: trying the lookbehind at every position (tests/test_replies_rules.py compares it with the
#: plain form).
STATUS_CODE = re.compile(r"([245])(?<![\d.][245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")


def _reply_code_pattern(classes: str) -> str:
    """An SMTP reply code of one of ``classes`` (first digit) as reports quote it: "said: 550 ",
    "550-", "550: ", "smtp;550 ", "ERROR_CODE :550,". RFC 5321 codes have a second digit 0-5 (so
    ports such as 587 or 465 are none); a number followed by a unit, a street word or another
    group of digits (an INS written in groups, a size, "500 rue ...") is not a code either.

    The code must open the text or follow white space or ``;:([\"'#``, and not follow a digit
    and a space. Both tests look at the characters before the code; they are written as
    lookbehinds after its three digits (the same characters, three positions later) so that the
    search can skip ahead to the code's first digit (tests/test_replies_rules.py compares the
    pattern with the form that tests first).
    """
    return (
        rf"([{classes}][0-5]\d)(?<![^\s;:(\[\"'#]...)(?<!\d\s...)(?=[ ,-]|:\s|$)"
        r"(?![ ,-]*(?:k|kb|ko|kib|m|mb|mo|mib|bytes?|octets?|rue|avenue|av|bd|boulevard|chemin"
        r"|route|place|allee|impasse|street|st|road)\b)(?! \d+(?:\s|$))"
    )


_REPLY = re.compile(_reply_code_pattern("245"), re.I | re.M)
#: A failure (4xx/5xx) reply code, as :func:`reply_code_in` reads codes.
FAILURE_REPLY_CODE = re.compile(_reply_code_pattern("45"), re.I | re.M)
_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9-]{0,60})[ \t]*:[ \t]*(.*)$")
_RECIPIENT_FIELDS = ("final-recipient", "original-recipient", "x-actual-recipient")
#: The fields of which a block that describes a recipient holds at least one.
_RECORD_FIELDS = frozenset((*_RECIPIENT_FIELDS, "action", "status"))


def status_in(text: str) -> str:
    """The first enhanced status code (``5.1.1``) in ``text``, or ``""``."""
    m = STATUS_CODE.search(text)
    return f"{m.group(1)}.{int(m.group(2))}.{int(m.group(3))}" if m else ""


def reply_code_in(text: str, *, failures_only: bool = False) -> str:
    """The first SMTP reply code in ``text`` (``550``), or ``""``; with ``failures_only``, the
    first 4xx/5xx code."""
    m = (FAILURE_REPLY_CODE if failures_only else _REPLY).search(text[:400])
    return m.group(1) if m else ""


#: The SMTP command that a failure answered, as MTAs write it in their reports (normalised,
#: lower-case text). Postfix: "(in reply to RCPT TO command)"; Exim: "SMTP error from remote
#: mail server after end of data"; OpenSMTPD: "did not like our RCPT TO"; qmail: "does not like
#: recipient", "failed after I sent the message"; Yahoo: "[RCPT_TO]"; "SMTP:RCPT host ...";
#: Oracle Messaging Server: "Remote SMTP server has rejected address" (RCPT) and "SMTP
#: transmission failure has occurred" (after the address was accepted).
#: (strings of which every match holds one, pattern): one branch per wording.
_COMMAND_WORDINGS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("in reply to ",), r"in reply to (?P<postfix>end of data|data|rcpt to|mail from) command"),
    (
        ("error from remote ",),
        r"error from remote (?:mail server|mailer|server) after (?:pipelined )?"
        r"(?P<exim>end of data|data|rcpt to|rcpt|mail from|mail)\b",
    ),
    (("did not like our ",), r"did not like our (?P<dfly>rcpt to|mail from|data)\b"),
    (("does not like recipient",), r"(?P<qrcpt>does not like recipient)"),
    (
        ("does not like sender", "sender was rejected"),
        r"(?P<qmail>does not like sender|sender was rejected)",
    ),
    (("failed ",), r"(?P<qdata>failed on data command|failed after i sent the message)"),
    (("[",), r"\[(?P<marker>rcpt_to|mail_from)\]"),
    (("smtp:",), r"\bsmtp:(?P<colon>rcpt|mail|data)\b"),
    (
        ("remote smtp server has rejected address",),
        r"(?P<qrcpt2>remote smtp server has rejected address)",
    ),
    (("smtp transmission failure",), r"(?P<qdata2>smtp transmission failure)"),
)
#: The wordings as one alternation: what :func:`_first_command_phrase` must find.
_COMMAND_PHRASES = re.compile("|".join(pattern for _, pattern in _COMMAND_WORDINGS))
#: The same branches searched one by one (a pattern that starts with a literal is searched much
#: faster than the alternation): the leftmost match wins, and at one position the earlier
#: branch, as in the alternation.
_COMMAND_BRANCHES = tuple((gates, re.compile(pattern)) for gates, pattern in _COMMAND_WORDINGS)
#: One of these (single words, so that folding cannot hide them) is in every match.
_COMMAND_HINTS = (
    "reply",
    "remote",
    "like",
    "rejected",
    "failed",
    "[rcpt_to]",
    "[mail_from]",
    "smtp:",
    "transmission",
)
_TRANSCRIPT_COMMANDS = {"RCPT": "RCPT", "MAIL": "MAIL", "DATA": "DATA", ".": "DATA"}


def smtp_command_in(text: str, address: str = "") -> str:
    """The SMTP command (``MAIL``, ``RCPT`` or ``DATA``) that the failure in ``text`` answered.

    Reads the wordings MTAs use (see :data:`_COMMAND_PHRASES`) and Sendmail/Courier session
    transcripts (``>>> DATA`` followed by ``<<< 550 ...``). With ``address`` (``text`` is a
    whole report about several recipients), only a ``>>> RCPT To:<address>`` exchange of a
    transcript counts. Returns ``""`` when the text does not say.
    """
    if not text:
        return ""
    head = text[:20000]
    if address:
        return _transcript_command(head, address) if ">>>" in head or "-->" in head else ""
    low = head.lower()
    for hint in _COMMAND_HINTS:
        if hint in low:
            break
    else:
        low = ""  # no hint: no wording below can match
    if low:
        low = " ".join(low.split())  # folded lines
        m = _first_command_phrase(low)
        if m is not None:
            return _command_of(m)
    if (">>>" in head and "<<<" in head) or ("-->" in head and "<--" in head):
        return _transcript_command(head, address)
    return ""


def _first_command_phrase(low: str) -> re.Match[str] | None:
    """The match :data:`_COMMAND_PHRASES` would give in ``low``, found branch by branch."""
    best: re.Match[str] | None = None
    for gates, regex in _COMMAND_BRANCHES:
        for gate in gates:
            if gate in low:
                break
        else:
            continue  # none of the strings every match of the branch holds
        m = regex.search(low)
        if m is not None and (best is None or m.start() < best.start()):
            best = m
    return best


def _command_of(m: re.Match[str]) -> str:
    name, value = next((k, v) for k, v in m.groupdict().items() if v)
    if name in ("qrcpt", "qrcpt2"):
        return "RCPT"
    if name == "qmail":
        return "MAIL"
    if name in ("qdata", "qdata2"):
        return "DATA"
    if "data" in value:
        return "DATA"
    return "RCPT" if value.startswith("rcpt") else "MAIL"


#: The arrows of a session transcript: the client's command after ``>>>`` (Sendmail, Courier)
#: or ``-->`` (MDaemon and others), the server's reply after ``<<<`` or ``<--``.
_CLIENT_ARROWS = (">>>", "-->")
_SERVER_ARROWS = ("<<<", "<--")
#: How far into a line an arrow may stand: after a time stamp ("Mon 2026-03-02 10:00:01: -->")
_ARROW_WITHIN = 48


def _transcript_step(line: str) -> tuple[str, str]:
    """``(">>>", command)`` or ``("<<<", reply)`` for a transcript line, else ``("", "")``: the
    first arrow of the line, at its start or after a blank within :data:`_ARROW_WITHIN`
    characters."""
    best, side = -1, ""
    for arrows, which in ((_CLIENT_ARROWS, ">>>"), (_SERVER_ARROWS, "<<<")):
        for arrow in arrows:
            i = line.find(arrow, 0, _ARROW_WITHIN + 3)
            if (i == 0 or (i > 0 and line[i - 1] in " \t")) and (best < 0 or i < best):
                best, side = i, which
    return (side, line[best + 3 :].strip()) if best >= 0 else ("", "")


def _transcript_command(text: str, address: str) -> str:
    """The command before the first permanent (else transient) reply of a session transcript."""
    command = ""
    transient = ""
    want = address.lower()
    for line in text.split("\n")[:2000]:
        s = line.strip()
        side, said = _transcript_step(s) if ">" in s or "<" in s else ("", "")
        if side == ">>>":
            words = said.split()
            verb = words[0].upper() if words else ""
            command = _TRANSCRIPT_COMMANDS.get(verb, verb)
            if want and (command != "RCPT" or want not in s.lower()):
                command = ""
        elif side == "<<<" and command:
            code = said[:1]
            if code == "5":
                return command if command in ("RCPT", "MAIL", "DATA") else ""
            if code == "4" and not transient:
                transient = command
        elif "while talking to" in s.lower():
            command = ""
    return transient if transient in ("RCPT", "MAIL", "DATA") else ""


def _fields_from_text(text: str, max_blocks: int) -> list[dict[str, str]]:
    """Parse ``Field: value`` blocks separated by blank lines (continuations unfolded)."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last = ""
    for line in text.split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
                if len(blocks) >= max_blocks:
                    return blocks
                current, last = {}, ""
            continue
        if line[:1] in " \t" and last:
            current[last] += " " + line.strip()
            continue
        m = _FIELD.match(line)
        if m:
            last = m.group(1).lower()
            if last in _RECIPIENT_FIELDS and last in current:
                # a DSN written with no blank line between recipient blocks
                blocks.append(current)
                current = {}
            current.setdefault(last, m.group(2).strip())
        else:
            last = ""
    if current:
        blocks.append(current)
    return blocks


def _fields_from_message(block: Message) -> list[dict[str, str]]:
    """The fields of one parsed block; several blocks when recipient fields repeat in it."""
    out: list[dict[str, str]] = [{}]
    fields = out[-1]
    # a value may be a Header, for raw 8-bit bytes (typeshed: str; see mssc.mime.Headers)
    source: Any = block
    fetch: Any = block.policy.header_fetch_parse
    # compat32 gives an ASCII value back as it is stored: skip the call for those
    plain = (
        type(block).items is Message.items
        and type(block.policy).header_fetch_parse is Compat32.header_fetch_parse
    )
    for k, v in source.raw_items() if plain else source.items():
        key = k.lower()
        if key in _RECIPIENT_FIELDS and key in fields:
            fields = {}  # a DSN written with no blank line between recipient blocks
            out.append(fields)
        if key not in fields:
            if plain and type(v) is str and v.isascii():
                if "=?" not in v and "\n" not in v and "\r" not in v:
                    # what decode_words gives for an ASCII value with no line break and no
                    # encoded word, without the call
                    fields[key] = v.strip()
                    continue
            elif plain and not (isinstance(v, str) and v.isascii()):
                v = fetch(k, v)
            fields[key] = header_text(v)
    return out


def read_delivery_status(
    payload: list[Message] | str, max_recipients: int
) -> tuple[dict[str, str], list[DsnRecord]]:
    """Read a ``message/delivery-status`` payload (as the stdlib gives it, or text).

    Returns the per-message fields and one :class:`DsnRecord` per recipient block.
    """
    if isinstance(payload, str):
        blocks = _fields_from_text(payload, max_recipients + 1)
    else:
        blocks = []
        for message_block in payload[: max_recipients + 1]:
            parts = _fields_from_message(message_block)
            blocks.extend(parts)
            fields = parts[-1]
            # A DSN written with no blank line between blocks leaves fields in the "body".
            body = payload_text_of(message_block)  # a list of parts is no body of fields
            if isinstance(body, str) and ":" in body:
                for extra in _fields_from_text(body, max_recipients):
                    if any(k in extra for k in _RECIPIENT_FIELDS):
                        blocks.append(extra)
                    else:
                        for k, v in extra.items():
                            fields.setdefault(k, v)
    per_message: dict[str, str] = {}
    records: list[DsnRecord] = []
    for block in blocks:
        if _RECORD_FIELDS.isdisjoint(block):
            per_message.update({k: v for k, v in block.items() if k not in per_message})
            continue
        if len(records) >= max_recipients:
            break
        records.append(_record(block))
    return per_message, records


def _record(block: dict[str, str]) -> DsnRecord:
    final = block.get("final-recipient", "") or block.get("x-actual-recipient", "")
    original = block.get("original-recipient", "")
    address = bare_address(final) if final else bare_address(original)
    diagnostic = block.get("diagnostic-code", "")
    diagnostic_type = ""
    if ";" in diagnostic[:16]:
        diagnostic_type, diagnostic = diagnostic.split(";", 1)
        diagnostic_type = diagnostic_type.strip().lower()
    diagnostic = diagnostic.strip()
    status_field = block.get("status", "")
    status = status_in(status_field) or status_in(diagnostic)
    comment = status_field.split("(", 1)[1].rstrip(") \t") if "(" in status_field else ""
    reply = reply_code_in(diagnostic)
    return _dsn_record(
        address if "@" in address else "",
        block.get("action", "").strip().lower().split(" ")[0] if block.get("action") else "",
        status,
        reply,
        diagnostic[:1000],
        bare_address(original) if original else "",
        diagnostic_type,
        comment[:200],
    )


def fields_in_text(text: str, max_recipients: int) -> list[DsnRecord]:
    """DSN recipient fields written inside a text part (some MTAs do that)."""
    if "recipient:" not in text.lower():
        return []
    _, records = read_delivery_status(text, max_recipients)
    return [r for r in records if r.address]


_ORIGINAL_START = re.compile(
    r"^[ \t]*(?:[-=*_]{2,}.{0,40}?|(?:the |a |here is |below is |\(?)?)(?:original message"
    # "The original message was received at <date> from <host>" opens Sendmail's and
    # Courier's notices: a line about the original, not the start of its copy
    r"(?! was received| was sent)|copy of "
    r"(?:the|your) (?:original )?message|below this line|returned message|message headers? "
    r"follows?|header of the original|headers of (?:the|your) (?:original )?message|undelivered "
    r"message|message follows|en-t[eê]tes du message|message d'origine|copie du message)",
    re.I | re.M,
)
_HEADER_LINE = re.compile(
    r"^(?:received|return-path|delivered-to|dkim-signature|x-original-to|message-id|"
    r"mime-version)[ \t]*:",
    re.I | re.M,
)


def _lowered(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """The same pattern for lower-cased ASCII text, without ``re.I`` (faster), or None.

    On ASCII text, a case-insensitive match is the same as a case-sensitive match of the
    lower-cased pattern over the lower-cased text, at the same positions, as long as lower-casing
    does not change what the pattern's escapes mean (only ``\\t``-style lower-case escapes and
    escaped punctuation are allowed) and no non-ASCII character of it folds to ASCII.
    """
    source = pattern.pattern
    if pattern.flags & ~(re.I | re.M | re.U) or not pattern.flags & re.I:
        return None
    if re.search(r"\\(?![tnsdwb]|[^0-9A-Za-z])", source):
        return None
    for c in source:
        if not c.isascii() and any(x.isascii() for x in (c.lower(), c.upper(), c.casefold())):
            return None
    return re.compile(source.lower(), pattern.flags & ~re.I)


_INLINE_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")


def _after_line_end(pattern: re.Pattern[str] | None) -> re.Pattern[str] | None:
    """For a ``re.M`` pattern that opens with ``^`` (after its inline flags, if any) and has no
    other anchor: the same pattern opening with a line end instead, whose search the engine
    runs from each line end (a literal it skips to) rather than trying every position. A match
    of it that starts one character before a line start is a match of ``pattern`` there, with
    the same groups. None for a pattern of another form."""
    if pattern is None or not pattern.flags & re.M:
        return None
    source = pattern.pattern
    flags = _INLINE_FLAGS.match(source)
    rest = source[flags.end() if flags else 0 :]
    if not rest.startswith("^"):
        return None
    rest = rest[1:]
    if "^" in rest.replace("[^", "") or "$" in rest or re.search(r"\\[AZbB<]|\(\?<", rest):
        return None
    return re.compile("\n" + rest, pattern.flags)


def _line_end_form(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """:func:`_after_line_end` of a pattern known to be of its form (a module constant)."""
    form = _after_line_end(pattern)
    if form is None:
        raise ValueError(f"not a line-start pattern: {pattern.pattern!r}")
    return form


#: A string that most of the original-message cut's words hold ("original message", "copy of
#: the message", "message follows" ...): :func:`split_notice` looks for it once instead of
#: looking for each of those words (each search runs over the whole text).
_SHARED_WORD = "message"


def _coarsened(words: frozenset[str] | None, shared: str) -> tuple[str, ...] | None:
    """``words`` with every word that holds ``shared`` replaced by ``shared`` itself, in a fixed
    order (``shared`` first), or None when ``words`` is None.

    A text that holds one of ``words`` holds one of these too, at a place inside the first: so
    every line where one of ``words`` occurs is still found, with fewer searches (a few more
    lines may be tried, which the pattern itself then rules out).
    """
    if words is None:
        return None
    rest = sorted(w for w in words if shared not in w)
    return tuple(rest) if len(rest) == len(words) else (shared, *rest)


#: ``(pattern, its lowered form, strings one of which every match holds, the lowered form searched
#: from the line ends or None)``. The header-line pattern comes first: the other is then searched
#: only before the first header line it finds (both match within one line, from its start, so the
#: earlier of the two first matches is the same in either order). The header line opens with its
#: words, so it is searched from the line ends; the other's words may stand anywhere in its line, so
#: only the lines that hold one are tried.
_CUTS = tuple(
    (
        p,
        lowered,
        _coarsened(_required_words(p.pattern.lower()), _SHARED_WORD),
        _after_line_end(lowered) if eol else None,
    )
    for p, eol in ((_HEADER_LINE, True), (_ORIGINAL_START, False))
    for lowered in (_lowered(p),)
)


#: The characters that the regular-expression engine's case folding takes for an ASCII letter
#: and that ``str.lower()`` leaves as they are: dotless ı (as "i") and long ſ (as "s").
_FOLDED_TO_ASCII = ("\u0131", "\u017f")


def _lowers_in_place(text: str, lower: str) -> bool:
    """Whether ``lower`` (``text.lower()``) can stand for ``text`` in a case-insensitive
    search for ASCII words: each character at its own position, and a match of a lowered
    pattern (:func:`_lowered`) over it where the ``re.I`` pattern matches over ``text``.

    True for ASCII text. For other text, when lower-casing changed no length ("İ" becomes two
    characters), every character lowers as the engine folds it (the simple mapping), but for
    the two that the engine alone takes for ASCII letters (:data:`_FOLDED_TO_ASCII`).
    """
    if text.isascii():
        return True
    return len(lower) == len(text) and not any(c in text for c in _FOLDED_TO_ASCII)


def split_notice(text: str) -> tuple[str, str]:
    """Split a bounce text into the notice and the copy of the original that follows it."""
    first_eol = text.find("\n")
    if first_eol < 0:
        return text, ""
    cut = len(text)
    lower = text.lower()
    in_place = _lowers_in_place(text, lower)  # then ``lower`` has ``text``'s positions
    for pattern, lowered, words, after_eol in _CUTS:
        if not in_place:
            # the engine's own case folding, over every position
            m = pattern.search(text, first_eol + 1, cut)
            if m:
                cut = m.start()
            continue
        if after_eol is not None:
            # text[first_eol] is the line end before the first line the search may start at
            m = after_eol.search(lower, first_eol, cut)
            if m:
                cut = m.start() + 1
            continue
        if lowered is not None and words is not None:
            # only the lines that hold one of the words can match
            at = _first_line_match(lower, lowered, words, first_eol + 1, cut)
            if at >= 0:
                cut = at
            continue
        if words is not None:
            for w in words:
                if w in lower:
                    break
            else:
                continue  # no word that every match holds: the pattern cannot match
        if lowered is not None:
            m = lowered.search(lower, first_eol + 1, cut)
        else:
            m = pattern.search(text, first_eol + 1, cut)
        if m:
            cut = m.start()
    return text[:cut], text[cut:]


def _first_line_match(
    text: str,
    regex: re.Pattern[str],
    words: Iterable[str],
    start: int,
    end: int,
) -> int:
    """``regex.search(text, start, end).start()`` (or -1) for a ``re.M`` pattern that opens
    with ``^`` and matches within one line, every match of which holds one of ``words``;
    ``start`` is a line start.

    A match holds one of the words on its own line, and starts at that line's start: so only
    the lines where a word occurs are tried (``regex.match`` there), from the left, instead of
    every position of the text.
    """
    best = -1
    for word in words:
        # once a match is known, only the words before its line (a line start) can give an
        # earlier one: the scans stop there (the matches themselves still run up to ``end``)
        stop = end if best < 0 else min(end, best + len(word))
        i = text.find(word, start, stop)
        while i >= 0:
            line = text.rfind("\n", start, i) + 1 or start
            if best >= 0 and line >= best:
                break
            if regex.match(text, line, end) is not None:
                best = line
                break
            i = text.find(word, i + 1, stop)
    return best


def _line_search(
    regex: re.Pattern[str], after_eol: re.Pattern[str], text: str
) -> re.Match[str] | None:
    """``regex.search(text)`` for a ``re.M`` pattern that opens with ``^``, given its
    :func:`_after_line_end` form ``after_eol``: a match at the text's start, else at the line
    start that ``after_eol``'s first match gives (no other position is tried)."""
    m = regex.match(text)
    if m is not None:
        return m
    found = after_eol.search(text)
    return regex.match(text, found.start() + 1) if found is not None else None


_ADDR = r"[^\s<>()\[\]\",;:@]{1,64}@[A-Za-z0-9][A-Za-z0-9.-]{0,252}[A-Za-z0-9]"
#: An item mark of a list before an address ("- ", "* ", "• ").
_BULLET = r"[-*+\u2022\u00b7\u2013][ \t]+"
_MARKERS = (
    # Postfix, qmail: "<addr>: reason" or "<addr>:" alone
    re.compile(rf"^\s*<({_ADDR})>\s*:?\s*(.*)$"),
    # Sendmail: "addr... User unknown", "550 5.1.1 <addr>... User unknown"
    re.compile(rf"^\s*(?:[245]\d\d[ -])?(?:[245]\.\d+\.\d+ )?<?({_ADDR})>?\.\.\.\s*(.*)$"),
    # Exim, Exchange, 1&1: the address alone on its line (maybe with a colon or a date)
    re.compile(rf"^\s*<?(?:mailto:)?({_ADDR})>?\s*:?\s*()$"),
    re.compile(rf"^\s*<?({_ADDR})>?\s+on\s+\w{{3}},?\s.*()$"),
    # OpenSMTPD and others: "addr: reason"
    re.compile(rf"^\s*({_ADDR}):\s+(.*)$"),
    # the same with a space before the colon, as French writes it, at the start of a line or
    # after an item mark ("- addr : messagerie fermée"); not on an indented line, which
    # continues a reply quoted above it
    re.compile(rf"^(?:[ \t]*{_BULLET}|)<?({_ADDR})>?[ \t]*:[ \t]+(.*)$"),
    # an X.400 form (Exchange 5.5, X.400 gateways): "c=US;a= ;p=ORG;dda:SMTP=addr; on <date>"
    re.compile(rf"(?i)^.{{0,160}}?\b(?:dda:)?(?:smtp|rfc-?822)=<?({_ADDR})>?;?\s*(.*)$"),
    # a Sendmail-style "<addr>... reason" anywhere in the line
    re.compile(rf"^.{{0,120}}?<({_ADDR})>\.\.\.\s*(.*)$"),
    # "Delivery failed 20 attempts: addr"
    re.compile(
        rf"(?i)^(?!\s*(?:mail from|from|sender|reply-to|return-path|envelope-from|message-id|"
        rf"in-reply-to|references)\s*:)"
        rf".{{0,80}}:\s*<?({_ADDR})>?\s*()$"
    ),
    # "error delivering your mail to <addr>."
    re.compile(rf"(?i)^.{{0,80}}\bto:?\s*<({_ADDR})>[.:]?\s*(.*)$"),
    # "RCPT TO:<addr>" transcripts, "Failed recipient: addr"
    re.compile(
        rf"(?i)^.{{0,80}}(?:rcpt to|recipient|destinataire)\s*:?\s*<?({_ADDR})>?[:\s]*(.*)$"
    ),
)
#: Each marker with strings (lower case) of which every line it matches holds one; None:
#: no such string. tests/test_replies_rules.py checks the gates on generated lines.
_GATES: tuple[tuple[str, ...] | None, ...] = (
    ("<",),
    ("...",),
    None,
    ("on",),
    (":",),
    (":",),
    ("=",),
    (">...",),
    (":",),
    ("to",),
    ("rcpt to", "recipient", "destinataire"),
)
_GATED_MARKERS = tuple(zip(_GATES, _MARKERS, strict=True))
#: Lines that end the explanation of the address above them: Sendmail's per-host lines
#: ("550 example.org (smtp)... 550 Host unknown") and session transcript headers
#: ("... while talking to mx.example.org.:").
_BLOCK_END = re.compile(
    r"^\s*(?:[245]\d\d[ -]+[^\s@<>]+ \([a-z0-9-]+\)\.\.\.|(?:\.\.\. )?while talking to )", re.I
)
#: A header field of the summary of the returned original that some notices print ("To:
#: <address>", then "Date: ...", "Subject: ..."): no explanation of a recipient.
_SUMMARY_FIELD = re.compile(
    r"\s*(?:date|subject|sent|to|cc|bcc|message-id|mime-version|received):", re.I
)
#: A "To:" or "Cc:" line of that summary (an address there is a recipient of the original).
_SUMMARY_ADDRESS = re.compile(r"\s*(?:to|cc):", re.I)
_SYSTEM_LOCAL = re.compile(
    r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon|root|abuse)$", re.I
)


def read_text_bounce(notice: str, exclude: set[str], max_recipients: int) -> list[tuple[str, str]]:
    """Find ``(address, explanation)`` pairs in the notice of a bounce that has no DSN part.

    ``exclude`` holds lower-case addresses that are unlikely to be failed recipients (the
    bounce's own sender and recipient); they are used only when nothing else is found. When no
    line introduces an address, any address in the notice is taken, with the whole notice as
    its explanation. An address that the notice offers as a contact ("please contact
    <support@...>") is never taken, nor a file path that ends in an address.
    """
    contacts = _Contacts(notice)
    found = _scan(notice, exclude, max_recipients, contacts) or _scan(
        notice, set(), max_recipients, contacts
    )
    if found:
        return found
    loose = [
        a
        for a in _find_loose(notice)
        if a.lower() not in exclude
        and not _SYSTEM_LOCAL.match(a.split("@", 1)[0])
        and a.lower() not in contacts
    ]
    text = " ".join(notice.split())[:2000]
    return [(a, text) for a in loose[:max_recipients]]


_LOOSE = re.compile(_ADDR)

#: Words that offer the address after them as someone to write to for help ("please contact
#: <support@...>", "pour toute question, écrivez à ..."), on the address's line and at most 60
#: characters before it: a contact, not a failed recipient. "contact" after a determiner
#: ("your contact <addr>") names a person. Searched up to the address, in lower case.
_CONTACT_BEFORE = re.compile(
    r"(?:(?<!your )(?<!the )(?<!this )(?<!votre )(?<!le )(?<!ce )\bcontact(?:ez|er|ing)?"
    r"|\bwrite to|\bassistance|\bhelp ?desk|\b[ée]crivez(?:-nous)? [àa]|\bjoindre)"
    r"\b[^@\n]{0,60}$"
)
#: Strings that every match of :data:`_CONTACT_BEFORE` holds one of
_CONTACT_GATES = ("contact", "write to", "assistance", "desk", "crivez", "joindre")


class _Contacts:
    """Whether a notice offers an address as a contact (:data:`_CONTACT_BEFORE` before any
    of its occurrences), worked out only for the addresses asked about, once each."""

    __slots__ = ("_known", "_low", "_notice")

    def __init__(self, notice: str) -> None:
        self._notice = notice  # all of it: marker lines are read past 20,000 characters too
        self._low: str | None = None  # the notice in lower case; "" when it holds no gate
        self._known: dict[str, bool] = {}

    def __contains__(self, address: str) -> bool:
        """Whether ``address`` (lower case) is offered as a contact."""
        known = self._known.get(address)
        if known is None:
            known = self._known[address] = self._offered(address)
        return known

    def _offered(self, address: str) -> bool:
        low = self._low
        if low is None:
            low = self._notice.lower()
            for gate in _CONTACT_GATES:
                if gate in low:
                    break
            else:
                low = ""
            self._low = low
        if not low or not address:
            return False
        at = low.find(address)
        for _ in range(50):
            if at < 0:
                break
            start = max(low.rfind("\n", 0, at) + 1, at - 80)
            if _CONTACT_BEFORE.search(low, start, at) is not None:
                return True
            at = low.find(address, at + len(address))
        return False


def _is_path(local: str) -> bool:
    """Whether the local part of a loose match is a file path's ("/home/u/.cat/u" before
    "@host" in "/home/u/.cat/u@host: No such file"): it holds a "/" and no "=" (an X.400
    gateway's local part, "/G=Jean/S=Dupont/O=...", holds both)."""
    return "/" in local and "=" not in local


def _find_loose(text: str) -> list[str]:
    """Up to 20 distinct addresses of the text's first 20,000 characters, in order (file paths
    that end in an address left out: :func:`_is_path`)."""
    out: list[str] = []
    seen: set[str] = set()
    for m in _loose_matches(text[:20000]):
        addr = m.group(0).strip(".")
        if _is_path(addr.rpartition("@")[0]):
            continue
        if addr.lower() not in seen:
            seen.add(addr.lower())
            out.append(addr)
        if len(out) >= 20:
            break
    return out


def _loose_matches(text: str) -> Iterator[re.Match[str]]:
    """``_LOOSE.finditer(text)``, searched only around each "@".

    Every match holds one "@" (its local part cannot), at most 64 characters after the match's
    start. So the next match after ``pos`` is found by searching from 64 characters before the
    next "@" (not before ``pos``); when the match found is not about that "@" (it failed there),
    the search moves on to the next "@".
    """
    pos = 0
    while True:
        at = text.find("@", pos)
        if at < 0:
            return
        m = _LOOSE.search(text, max(pos, at - 64), at + 256)
        if m is None or m.start() > at:
            pos = at + 1  # no match holds this "@": the next one starts after it
            continue
        yield m
        pos = m.end()


def _scan(
    notice: str, exclude: set[str], max_recipients: int, contacts: _Contacts
) -> list[tuple[str, str]]:
    """The addresses that marker lines introduce, with their explanations; ``exclude`` and the
    ``contacts`` of the notice are left out."""
    found: dict[str, list[str]] = {}
    order: list[str] = []
    # addresses met only on a "To:"/"Cc:" line of the original's summary: recipients of the
    # original, failed only if the notice names no other address
    summary_only: set[str] = set()
    current: str | None = None
    for line in notice.split("\n")[:2000]:
        if not line.strip():
            current = None
            continue
        if ("..." in line or "alking" in line) and _BLOCK_END.match(line):
            # a Sendmail line about a host, or the start of a session transcript: what
            # follows no longer explains the address above
            current = None
            continue
        marker = None
        if "@" in line:
            # a marker whose gate string is absent cannot match (skipped); lines that lower
            # otherwise than the engine folds are tried against every marker
            low = line.lower()
            if not _lowers_in_place(line, low):
                low = ""
            for gates, pattern in _GATED_MARKERS:
                if low and gates:
                    for gate in gates:
                        if gate in low:
                            break
                    else:
                        continue
                m = pattern.match(line)
                if m:
                    marker = m
                    break
        if marker is not None:
            addr = marker.group(1).strip(".")
            low = addr.lower()
            local = low.split("@", 1)[0]
            if low not in exclude and not _SYSTEM_LOCAL.match(local) and low not in contacts:
                summary = _SUMMARY_ADDRESS.match(line) is not None
                if low not in found:
                    if len(order) >= max_recipients:
                        current = None
                        continue
                    found[low] = []
                    order.append(addr)
                    if summary:
                        summary_only.add(low)
                elif not summary:
                    summary_only.discard(low)
                rest = marker.group(2).strip()
                if rest:
                    found[low].append(rest)
                elif low == current and len(found[low]) < 40:
                    # the address named again inside its own block ("Diagnostic code:
                    # smtp;550 5.1.1 unknown alias: <address>"): the line explains it
                    found[low].append(line.strip())
                current = low
                continue
        if current is not None and len(found[current]) < 40:
            if _SUMMARY_FIELD.match(line):
                continue  # the returned original's header summary explains nothing
            found[current].append(line.strip())
    if summary_only and len(summary_only) < len(order):
        order = [addr for addr in order if addr.lower() not in summary_only]
    return [(addr, " ".join(found[addr.lower()])[:2000]) for addr in order]
