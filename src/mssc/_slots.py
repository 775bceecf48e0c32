"""Building frozen, slotted dataclasses on the hot paths of the readers.

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__`` (and a call
with keywords costs more still). The slots' own setters build the same object for a third to
a half of the work: a builder takes :data:`new_object` of the class, then calls each setter
that :func:`slot_setters` gives. The readers make such objects for every message (a pre-scan,
a read, a result) and every recipient; the tests compare each builder with its constructor
(equal, same hash, same repr).

A class compiled by mypyc (see ``hatch_build.py``) is no such Python class and cannot be made
empty: the classes built here are defined in modules that are not compiled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

__all__ = ["new_object", "slot_setters"]

#: ``object.__new__``: an instance of a slotted class with no field set yet
new_object = object.__new__


def slot_setters(cls: type) -> tuple[Callable[[Any, Any], None], ...]:
    """The setters of the slots of dataclass ``cls``'s fields, in the fields' order.

    Raises:
        TypeError: when ``cls`` is not a dataclass.
        KeyError: when a field has no slot of its own in ``cls`` (not ``slots=True``).
    """
    return tuple(cls.__dict__[f.name].__set__ for f in fields(cls))
