"""French wording helpers that never depend on the system locale.

>>> import datetime as dt
>>> french_date(dt.date(2026, 3, 3))
'mardi 3 mars 2026'
>>> french_datetime(dt.date(2026, 3, 1), dt.time(9, 5))
'dimanche 1er mars 2026 à 9 h 05'
>>> delay_phrase(1), delay_phrase(7), delay_phrase(10)
('demain', 'dans une semaine', 'dans 10 jours')
"""

from __future__ import annotations

import datetime as dt
from typing import Final, Literal

__all__ = [
    "Civility",
    "delay_phrase",
    "french_date",
    "french_datetime",
    "french_time",
    "salutation_name",
]

Civility = Literal["Madame", "Monsieur"]

_DAYS: Final = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_MONTHS: Final = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def french_date(day: dt.date, *, weekday: bool = True) -> str:
    """Return ``mardi 3 mars 2026`` (``1er`` for the first of the month)."""
    number = "1er" if day.day == 1 else str(day.day)
    text = f"{number} {_MONTHS[day.month - 1]} {day.year}"
    return f"{_DAYS[day.weekday()]} {text}" if weekday else text


def french_time(moment: dt.time) -> str:
    """Return ``14 h 30`` or ``9 h 05`` (24-hour clock, minutes always shown)."""
    return f"{moment.hour} h {moment.minute:02d}"


def french_datetime(day: dt.date, moment: dt.time | None) -> str:
    """Return ``mardi 3 mars 2026 à 14 h 30``, or the date alone when there is no time."""
    if moment is None:
        return french_date(day)
    return f"{french_date(day)} à {french_time(moment)}"


def delay_phrase(days: int) -> str:
    """Say when something happens, ``days`` days from now: ``aujourd'hui``, ``demain``, …"""
    if days < 0:
        raise ValueError("the delay cannot be negative")
    named = {0: "aujourd'hui", 1: "demain", 2: "après-demain", 7: "dans une semaine"}
    if days in named:
        return named[days]
    if days % 7 == 0 and days <= 28:
        return f"dans {days // 7} semaines"
    return f"dans {days} jours"


def salutation_name(
    civility: Civility | None,
    first_name: str | None,
    usage_name: str | None,
    birth_name: str | None,
) -> str:
    """Return how the patient is addressed after *Bonjour*, or an empty string.

    The usage name is preferred; the birth name is added when it differs. The first name is
    used only when the civility is unknown, so that nobody is called by a guessed title.
    """
    name = usage_name or birth_name
    if not name:
        return ""
    if civility is not None:
        shown = f"{civility} {name}"
    elif first_name:
        shown = f"{first_name} {name}"
    else:
        shown = name
    if usage_name and birth_name and usage_name.casefold() != birth_name.casefold():
        born = {"Madame": "née", "Monsieur": "né"}.get(civility or "", "")
        shown += f" ({born} {birth_name})" if born else f" (nom de naissance : {birth_name})"
    return shown
