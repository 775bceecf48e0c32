"""The check table: each check function is registered on the catalogue rules it reports.

A check is a function ``(facts, rule, rule, …) -> findings`` that reads the one shared parse
(:class:`~mssc.conformance._facts.Facts`) and builds its findings from the :class:`Rule` values
it is given, in the order of its registration. Codes are written once, in the ``@checks(...)``
decorator; :func:`~mssc.conformance.check` runs the table in catalogue order, so there is no
hand-ordered list and no code written inside a check.

>>> from mssc.conformance._registry import table
>>> [c.name for c in table("outgoing")][:2]
['message_id', 'threading']
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from mssc.conformance._model import Direction, Finding, Rule
from mssc.conformance._rules import RULES

if TYPE_CHECKING:
    from mssc.conformance._facts import Facts

__all__ = ["Check", "checks", "registered_codes", "table"]

CheckFunction = Callable[..., Iterable[Finding]]
_F = TypeVar("_F", bound=CheckFunction)

_ORDER = {code: i for i, code in enumerate(RULES)}


@dataclass(frozen=True, slots=True)
class Check:
    """One registered check: its function and the rules it may report, in argument order."""

    name: str
    function: CheckFunction
    rules: tuple[Rule, ...]

    @property
    def direction(self) -> Direction:
        """The direction of the messages the check reads (that of its rules)."""
        return self.rules[0].direction

    @property
    def order(self) -> int:
        """The catalogue position of the check's first rule (checks run in this order)."""
        return _ORDER[self.rules[0].code]

    def run(self, facts: Facts) -> Iterable[Finding]:
        """Call the check on ``facts`` with its rules."""
        return self.function(facts, *self.rules)


_TABLE: list[Check] = []


def _register(function: CheckFunction, codes: tuple[str, ...]) -> Check:
    if not codes:
        raise ValueError(f"check {function.__name__} names no rule")
    unknown = [c for c in codes if c not in RULES]
    if unknown:
        raise ValueError(f"check {function.__name__} names unknown rules {unknown}")
    rules = tuple(RULES[c] for c in codes)
    if len({r.direction for r in rules}) != 1 or rules[0].direction is Direction.BOTH:
        raise ValueError(f"check {function.__name__} mixes directions or reports a reader limit")
    taken = registered_codes() & set(codes)
    if taken:
        raise ValueError(f"rules {sorted(taken)} already have a check")
    params = list(inspect.signature(function).parameters.values())
    if len(params) != len(codes) + 1 or any(p.kind is not p.POSITIONAL_OR_KEYWORD for p in params):
        raise TypeError(f"check {function.__name__} must take (facts, one rule per code {codes})")
    check = Check(function.__name__.strip("_"), function, rules)
    _TABLE.append(check)
    _TABLE.sort(key=lambda c: c.order)
    return check


def checks(*codes: str) -> Callable[[_F], _F]:
    """Register the decorated function as the check of rules ``codes`` (each code once).

    The function receives the shared facts, then one :class:`Rule` per code, in that order.
    The same function may be registered again for other codes with ``checks(...)(function)``.

    Raises:
        ValueError: an unknown code, a code that already has a check, or mixed directions.
        TypeError: when the function does not take one rule argument per code.
    """

    def register(function: _F) -> _F:
        _register(function, codes)
        return function

    return register


def table(direction: Direction | str) -> tuple[Check, ...]:
    """The checks that read messages of ``direction``, in catalogue order."""
    wanted = Direction(direction)
    return tuple(c for c in _TABLE if c.direction is wanted)


def registered_codes() -> frozenset[str]:
    """Every code that some check reports."""
    return frozenset(r.code for c in _TABLE for r in c.rules)
