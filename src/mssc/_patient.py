"""The patient identity held by a DPI/GAM: the INS traits and the RNIV status.

Public as :class:`mssc.ins.PatientIdentity` (and ``mssc.PatientIdentity``). It lives in its own
module because it is a pydantic model: :mod:`mssc.ins` stays free of pydantic, and loads this
module on first use of the name.

>>> from mssc.ins import INS_TEST_OID, IdentityStatus, Sex, parse_ins
>>> identity = PatientIdentity(
...     ins=parse_ins("297022A02077878", oid=INS_TEST_OID),
...     status=IdentityStatus.QUAL,
...     birth_name="ADRTROIS",
...     first_names="DOMINIQUE",
...     birth_date="1997-02-26",
...     sex=Sex.FEMALE,
... )
>>> identity.display_name, identity.is_qualified
('Dominique ADRTROIS', True)
"""

from __future__ import annotations

import datetime as _dt
import unicodedata
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mssc.ins import IdentityStatus, Ins, Sex

__all__ = ["PatientIdentity"]


def _clean_name(value: str) -> str:
    value = unicodedata.normalize("NFC", value).strip()
    if not value:
        raise ValueError("must not be empty")
    if any(unicodedata.category(c)[0] == "C" for c in value):
        raise ValueError("must not contain control characters")
    return " ".join(value.split())


_Name = Annotated[str, Field(min_length=1, max_length=100)]


class PatientIdentity(BaseModel):
    """A patient identity as held by the DPI/GAM, with its INS traits and RNIV status.

    Only a ``QUAL`` (*qualifiée*) identity may be used to build an MSS-C address.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    ins: Ins
    """The matricule INS with its OID."""
    status: IdentityStatus
    """The RNIV status of the identity."""
    birth_name: _Name
    """*Nom de naissance*."""
    first_names: _Name
    """*Liste des prénoms de naissance*, space separated; the first one is used in salutations."""
    birth_date: _dt.date
    """*Date de naissance*."""
    sex: Sex
    """*Sexe*: F, M or I."""
    usage_name: _Name | None = None
    """*Nom utilisé*, when it differs from the birth name."""
    birth_place: Annotated[str, Field(pattern=r"^(?:[0-9]{5}|2[AB][0-9]{3})$")] | None = None
    """*Lieu de naissance*: the 5-character INSEE (COG) code, such as ``2A020``."""

    @field_validator("birth_name", "first_names", "usage_name")
    @classmethod
    def _names(cls, value: str | None) -> str | None:
        return None if value is None else _clean_name(value)

    @property
    def is_qualified(self) -> bool:
        """True when the status is ``QUAL``: the only status that allows MSS-C addressing."""
        return self.status is IdentityStatus.QUAL

    @property
    def first_name(self) -> str:
        """The first of the first names, capitalised when it was given in upper case.

        INSi returns traits in upper case (``DOMINIQUE``); letters are shown as ``Dominique``.
        """
        first = self.first_names.split()[0]
        return first.title() if first.isupper() else first

    @property
    def last_name(self) -> str:
        """The name in use: the usage name when there is one, else the birth name."""
        return self.usage_name or self.birth_name

    @property
    def civility(self) -> Literal["Madame", "Monsieur"] | None:
        """``Madame`` or ``Monsieur`` from the sex, ``None`` when unknown."""
        if self.sex is Sex.FEMALE:
            return "Madame"
        if self.sex is Sex.MALE:
            return "Monsieur"
        return None

    @property
    def display_name(self) -> str:
        """``Prénom NOM``, with the birth name added when the usage name differs.

        For example ``Dominique MARTIN (née ADRTROIS)``.
        """
        shown = f"{self.first_name} {self.last_name.upper()}"
        if self.usage_name and self.usage_name.upper() != self.birth_name.upper():
            born = {Sex.FEMALE: "née", Sex.MALE: "né"}.get(self.sex, "né(e)")
            shown += f" ({born} {self.birth_name.upper()})"
        return shown

    @property
    def address(self) -> str:
        """The MSS-C address, without the qualification check (see ``patient_address``)."""
        return self.ins.address
