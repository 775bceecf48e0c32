"""Building frozen, slotted dataclasses on the hot paths of the readers.

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__`` (and a call
with keywords costs more still). The slots' own setters build the same object for a third to
a half of the work: a builder takes :data:`new_object` of the class, then calls each setter
that :func:`slot_setters` gives. The readers make such objects for every message (a pre-scan,
a read, a result) and every recipient; the tests compare each builder with its constructor
(equal, same hash, same repr).

A class compiled by mypyc (see ``hatch_build.py``) is no such Python class: it cannot be made
empty, and its builders call the constructor instead (:func:`builds_empty` says which).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

__all__ = ["builds_empty", "new_object", "slot_setters"]

#: ``object.__new__``: an instance of a slotted class with no field set yet
new_object = object.__new__


def builds_empty(cls: type) -> bool:
    """Whether :data:`new_object` makes an empty instance of ``cls`` (a Python class); not for
    a class that mypyc compiled, which only its constructor builds."""
    try:
        new_object(cls)
    except TypeError:
        return False
    return True


def slot_setters(cls: type) -> tuple[Callable[[Any, Any], None], ...]:
    """The setters of the slots of dataclass ``cls``'s fields, in the fields' order.

    Raises:
        TypeError: when ``cls`` is not a dataclass.
        KeyError: when a field has no slot of its own in ``cls`` (not ``slots=True``).
    """
    return tuple(cls.__dict__[f.name].__set__ for f in fields(cls))
