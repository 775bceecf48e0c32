"""MSS-C patient addresses and MSSanté professional addresses.

A patient's MSS-C address is ``<matricule INS>@patient.mssante.fr``, built from a *qualified*
identity (Ref#2 ECO.2.2.6, Ségur INS/va1.53).

>>> parse_patient_address("Dominique TROIS <297022a02077878@PATIENT.MSSANTE.FR>").address
'297022A02077878@patient.mssante.fr'
"""

from __future__ import annotations

import difflib
import unicodedata
from typing import TYPE_CHECKING, Final

from email_validator import EmailNotValidError, validate_email

from mssc.errors import InvalidAddress, InvalidIns, UnqualifiedIdentity
from mssc.ins import PATIENT_DOMAIN, Ins, parse_ins

if TYPE_CHECKING:
    from mssc.ins import PatientIdentity

__all__ = [
    "MSSANTE_DOMAIN",
    "PATIENT_DOMAIN",
    "TEST_RESPONDER",
    "is_mssante_address",
    "is_patient_address",
    "normalize_address",
    "parse_patient_address",
    "patient_address",
]

#: The MSSanté trust domain; professional boxes live on its subdomains.
MSSANTE_DOMAIN: Final = "mssante.fr"
#: The MES automatic responder used to test connectivity (send it a message with TEST).
TEST_RESPONDER: Final = f"reponse.automatique-test@{PATIENT_DOMAIN}"


def _validate_syntax(address: str) -> tuple[str, str]:
    """Validate an addr-spec with email-validator, every option explicit and no DNS.

    Returns the normalized (local part, lower-case domain).
    """
    try:
        valid = validate_email(
            address,
            allow_smtputf8=False,
            allow_empty_local=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
            strict=True,
            check_deliverability=False,
            test_environment=False,
            globally_deliverable=True,
        )
    except EmailNotValidError as exc:
        raise InvalidAddress(
            f"{address!r} is not a valid e-mail address: {exc}",
            code="syntax",
            hint="an address looks like 279035121518989@patient.mssante.fr",
        ) from None
    return valid.local_part, valid.ascii_domain.lower()


def _strip_decorations(text: str) -> str:
    """Remove what a person may paste around an address: spaces, display name, <>, mailto:."""
    s = unicodedata.normalize("NFC", text).strip()
    if s.endswith(">") and "<" in s:
        s = s[s.rindex("<") + 1 : -1].strip()
    if s[:7].lower() == "mailto:":
        s = s[7:].strip()
    if "@" in s:
        local, _, domain = s.rpartition("@")
        s = f"{local.strip()}@{domain.strip()}"
    return s


def _ascii_fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _idna_decode(domain: str) -> str:
    """Show an IDNA (``xn--``) domain as Unicode, so that an accent pasted as punycode is seen."""
    if "xn--" not in domain:
        return domain
    try:
        return domain.encode("ascii").decode("idna")
    except UnicodeError:
        return domain


def normalize_address(text: str) -> str:
    """Return the bare, syntax-checked address with a lower-case domain.

    Accepts the same decorations as :func:`parse_patient_address` (display name, ``<…>``,
    ``mailto:``, surrounding spaces). Any domain is accepted.

    Raises:
        InvalidAddress: code ``syntax``.
    """
    s = _strip_decorations(text)
    local, domain = _validate_syntax(s)
    return f"{local}@{domain}"


def parse_patient_address(text: str) -> Ins:
    """Parse an MSS-C patient address, typed by hand or copied from a mail client.

    Accepted and normalised: surrounding spaces, an upper-case domain, ``mailto:``, ``<…>``, a
    display name (``Dominique TROIS <…>``) and a lower-case ``2a``/``2b``.

    Raises:
        InvalidAddress: code ``syntax``, ``wrong-domain``, ``accented-domain``, or the
            :class:`~mssc.errors.InvalidIns` code of the local part, with a hint meant for the
            person who typed it.
        TypeError: when ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_patient_address() expects a str, not {type(text).__name__}")
    s = _strip_decorations(text)
    if s.count("@") != 1:
        raise InvalidAddress(
            f"{text!r} is not an e-mail address",
            code="syntax",
            hint="an MSS-C address looks like 279035121518989@patient.mssante.fr",
        )
    local, domain = s.split("@")
    domain = _idna_decode(domain.lower().rstrip("."))
    folded = _ascii_fold(domain)
    if folded != domain:
        if folded == PATIENT_DOMAIN:
            hint = f"did you mean {PATIENT_DOMAIN}? (without accents)"
        else:
            hint = "MSSanté domains have no accents"
        raise InvalidAddress(
            f"the domain {domain!r} has accented letters", code="accented-domain", hint=hint
        )
    if domain != PATIENT_DOMAIN:
        if domain.endswith("." + MSSANTE_DOMAIN) or domain == MSSANTE_DOMAIN:
            hint = (
                f"this is a professional address; a patient's address ends with @{PATIENT_DOMAIN}"
            )
        elif difflib.get_close_matches(domain, [PATIENT_DOMAIN], n=1, cutoff=0.75):
            hint = f"did you mean {PATIENT_DOMAIN}?"
        else:
            hint = f"a patient's MSS-C address ends with @{PATIENT_DOMAIN}"
        raise InvalidAddress(
            f"{domain!r} is not the patient domain", code="wrong-domain", hint=hint
        )
    if not local or not local.isascii() or not local.isalnum():
        raise InvalidAddress(
            f"the local part {local!r} must be the 15 characters of the matricule INS alone",
            code="syntax",
            hint="remove spaces, dots or dashes from the part before the @",
        )
    try:
        ins = parse_ins(local)
    except InvalidIns as exc:
        raise InvalidAddress(
            f"the local part of {s!r} is not a valid matricule INS: {exc.message}",
            code=exc.code,
            hint=exc.hint,
        ) from None
    _validate_syntax(ins.address)
    return ins


def patient_address(target: Ins | PatientIdentity | str, *, require_qualified: bool = True) -> str:
    """Return the MSS-C address of a patient.

    Args:
        target: an :class:`~mssc.ins.Ins`, a :class:`~mssc.ins.PatientIdentity`, a matricule
            or an address (typed by hand or not).
        require_qualified: refuse a ``PatientIdentity`` whose status is not ``QUAL``. Turn it
            off only in tests.

    Raises:
        UnqualifiedIdentity: code ``not-qualified`` (Ref#2 ECO.2.2.6, Ségur INS/va1.53).
        InvalidIns: for a bad matricule string.
        InvalidAddress: for a bad address string.
    """
    if isinstance(target, Ins):
        return target.address
    if isinstance(target, str):
        if "@" in target:
            return parse_patient_address(target).address
        return parse_ins(target).address
    from mssc.ins import PatientIdentity  # a pydantic model: loaded only when one may be given

    if isinstance(target, PatientIdentity):
        if require_qualified and not target.is_qualified:
            raise UnqualifiedIdentity(
                # No name or matricule in the message: errors end up in logs.
                f"the patient identity has status {target.status.value} "
                f"({target.status.label.lower()}), not QUAL (identité qualifiée)",
                code="not-qualified",
                hint="qualify the identity (INSi call and ID document check) before writing "
                "to the patient's MSS-C address (Ref#2 ECO.2.2.6, Ségur INS/va1.53)",
            )
        return target.ins.address
    raise TypeError(
        f"patient_address() expects an Ins, a PatientIdentity or a str, not {type(target).__name__}"
    )


def is_patient_address(text: object) -> bool:
    """Return whether ``text`` is a valid MSS-C patient address. Never raises."""
    if not isinstance(text, str):
        return False
    try:
        parse_patient_address(text)
    except InvalidAddress:
        return False
    return True


def is_mssante_address(text: object) -> bool:
    """Return whether ``text`` is a professional MSSanté address (``*.mssante.fr``).

    Patient addresses (``@patient.mssante.fr``) are not professional boxes and give False.
    Never raises.
    """
    if not isinstance(text, str):
        return False
    try:
        _, domain = _validate_syntax(_strip_decorations(text))
    except InvalidAddress:
        return False
    if domain == PATIENT_DOMAIN or domain.endswith("." + PATIENT_DOMAIN):
        return False
    return domain.endswith("." + MSSANTE_DOMAIN)
