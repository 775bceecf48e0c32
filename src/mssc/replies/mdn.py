"""Reading message disposition notifications (RFC 8098, and RFC 3798's older forms).

Accepts lower-case field names, the mixed form ``manual-action/MDN-sent-automatically`` and the
``denied``/``failed`` types of RFC 3798. Never raises.
"""

from __future__ import annotations

import re
from email.message import Message

from mssc.mime import bare_address, decode_words, message_ids
from mssc.replies.dsn import _fields_from_text
from mssc.replies.model import Disposition, DispositionType

__all__ = ["MdnFields", "parse_disposition", "read_mdn"]

_TYPES = {t.value: t for t in DispositionType}


def parse_disposition(value: str) -> Disposition:
    """Parse a ``Disposition`` field value such as
    ``manual-action/MDN-sent-automatically; displayed/error``.
    """
    raw = " ".join(value.split())
    modes, _, rest = raw.partition(";")
    if not rest:  # no ';': maybe only the type was written
        modes, rest = "", raw
    action_mode, _, sending_mode = modes.strip().partition("/")
    # RFC 3798 allowed "displayed/error" modifiers and "processed: error" style texts
    disp = re.split(r"[\s/:]+", rest.strip().lower(), maxsplit=1)
    type_token = disp[0] if disp else ""
    modifiers: tuple[str, ...] = ()
    if len(disp) > 1 and disp[1]:
        modifiers = tuple(m.strip() for m in re.split(r"[/,]", disp[1]) if m.strip())[:8]
    return Disposition(
        action_mode=action_mode.strip().lower(),
        sending_mode=sending_mode.strip(),
        type=_TYPES.get(type_token),
        modifiers=modifiers,
        raw=raw[:500],
    )


class MdnFields:
    """The fields of one ``message/disposition-notification`` part (lower-case keys)."""

    __slots__ = ("fields",)

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields

    @property
    def disposition(self) -> Disposition | None:
        """The parsed ``Disposition`` field, or None when absent."""
        value = self.fields.get("disposition")
        return parse_disposition(value) if value else None

    @property
    def original_message_id(self) -> str | None:
        """``Original-Message-ID`` with angle brackets, or None."""
        ids = message_ids(self.fields.get("original-message-id", ""))
        return ids[0] if ids else None

    @property
    def recipient(self) -> str:
        """``Final-Recipient`` (else ``Original-Recipient``) as a bare address, or ``""``."""
        value = self.fields.get("final-recipient") or self.fields.get("original-recipient", "")
        addr = bare_address(value) if value else ""
        return addr if "@" in addr else ""


def read_mdn(payload: list[Message] | str) -> MdnFields:
    """Read the payload of a ``message/disposition-notification`` part as the stdlib gives it."""
    fields: dict[str, str] = {}
    if isinstance(payload, str):
        for block in _fields_from_text(payload, 4):
            for k, v in block.items():
                fields.setdefault(k, v)
    else:
        for part in payload[:4]:
            for k, v in part.items():
                fields.setdefault(k.lower(), decode_words(str(v)))
            body = part.get_payload()
            if isinstance(body, str) and ":" in body:
                for extra in _fields_from_text(body, 4):
                    for k, v in extra.items():
                        fields.setdefault(k, v)
    return MdnFields(fields)
