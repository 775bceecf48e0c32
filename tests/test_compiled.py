"""The compiled build: regular wheels compile the classifier's hot modules with mypyc.

``hatch_build.py`` compiles the modules it lists; CI builds that wheel, installs it in a
fresh environment, runs this whole suite against it with ``MSSC_EXPECT_COMPILED=1`` and
compares every verdict with the pure-Python build's (``benchmarks/compare_verdicts.py``).
"""

from __future__ import annotations

import ast
import importlib
import importlib.machinery
import os
import pickle
import random
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from pathlib import Path

import pytest

from mssc._slots import new_object
from mssc.inbound import parse_patient_message
from mssc.mime import MimeDefect, MimeLimits, Prescan, ReadMessage, read_message
from mssc.replies import ReplyKind, classify
from mssc.replies.dsn import DsnRecord
from test_mime import _mutate, _seeds

ROOT = Path(__file__).resolve().parent.parent


def _compiled_list() -> list[str]:
    """``hatch_build.COMPILED``, read from the file (hatchling is a build-time dependency)."""
    tree = ast.parse((ROOT / "hatch_build.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "COMPILED"
        ):
            value = ast.literal_eval(node.value)
            assert isinstance(value, tuple)
            return [str(v) for v in value]
    raise AssertionError("hatch_build.py defines no COMPILED")


def _module_name(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def test_the_compiled_list_names_modules_of_the_package() -> None:
    paths = _compiled_list()
    assert paths
    assert len(set(paths)) == len(paths)
    for path in paths:
        assert (ROOT / "src" / path).is_file(), path
        assert importlib.import_module(_module_name(path)).__name__ == _module_name(path)


def test_the_installed_build_is_the_one_ci_asked_for() -> None:
    """Under ``MSSC_EXPECT_COMPILED=1`` (CI's run against the wheel), every listed module is
    an extension: a build that fell back to pure Python cannot pass as compiled."""
    if os.environ.get("MSSC_EXPECT_COMPILED") != "1":
        pytest.skip("MSSC_EXPECT_COMPILED is not 1: this run tests the editable, pure-Python build")
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    for path in _compiled_list():
        module = importlib.import_module(_module_name(path))
        assert str(module.__file__).endswith(suffixes), module.__file__


def test_the_value_types_are_python_classes_in_every_build() -> None:
    """The limits and results of mssc.mime, and the DSN records, are defined outside the
    compiled modules: the readers build them with the slots' setters (mssc._slots), callers
    can subclass and pickle them, and a bool is no limit, in both builds."""
    for cls, module in (
        (MimeLimits, "mssc.mime"),
        (MimeDefect, "mssc.mime"),
        (Prescan, "mssc.mime"),
        (ReadMessage, "mssc.mime"),
        (DsnRecord, "mssc.replies.dsn"),
    ):
        assert isinstance(new_object(cls), cls)  # what a compiled class refuses
        assert cls.__module__ == module

    @dataclass(frozen=True, slots=True)
    class Tighter(MimeLimits):
        pass

    assert Tighter(max_parts=8).max_parts == 8
    read = read_message(b"From: a@b.fr\nSubject: x\n\nbody\n")
    again = pickle.loads(pickle.dumps(read.prescan))
    assert again == read.prescan
    record = DsnRecord("a@b.fr", "failed", "5.1.1")
    assert pickle.loads(pickle.dumps(record)) == record
    with pytest.raises(ValueError, match="max_depth"):
        MimeLimits(max_depth=True)


def test_no_mutated_message_needs_the_safety_net() -> None:
    """classify and parse_patient_message catch any error of their pipeline (a message is
    then OTHER, or unreadable). None of 1,500 broken messages needs that net: in the compiled
    build, a value of a type the code does not declare would raise there (and be caught)."""
    rnd = random.Random(29)
    seeds = _seeds()
    for _ in range(1500):
        raw = _mutate(rnd, rnd.choice(seeds))
        assert "classifier-error" not in classify(raw).defects, raw[:200]
        defects = parse_patient_message(raw).defects
        assert not any(d.startswith("unreadable-message") for d in defects), raw[:200]


def _with_eight_bit_values(raw: bytes) -> list[bytes]:
    """``raw`` once per header line of its first 4,000 bytes (every header block: the top,
    the parts', a report's fields), with raw 8-bit bytes put into that line's value."""
    out = []
    head = raw[:4000]
    start = 0
    while True:
        colon = head.find(b":", start)
        end = head.find(b"\n", start)
        if end < 0:
            break
        if 0 < colon - start < 40 and colon < end and head[start : start + 1].isalpha():
            out.append(raw[: colon + 1] + b" caf\xe9 \xff\xfe" + raw[colon + 1 :])
        start = end + 1
    return out


def test_raw_eight_bit_header_values_never_need_the_safety_net() -> None:
    """Raw 8-bit bytes in any header value (compat32 then gives an email.header.Header where
    the stubs say str) are read in both builds, never through the safety net."""
    cases = [case for raw in _seeds()[:60] for case in _with_eight_bit_values(raw)]
    assert len(cases) > 500
    for raw in cases:
        assert "classifier-error" not in classify(raw).defects, raw[:300]
        defects = parse_patient_message(raw).defects
        assert not any(d.startswith("unreadable-message") for d in defects), raw[:300]


def test_a_callers_message_with_header_objects() -> None:
    """A Message built by the caller may hold email.header.Header values (typeshed: str)."""
    msg = Message()
    msg["From"] = Header("Mon espace santé <ne-pas-repondre@patient.mssante.fr>", "utf-8")  # type: ignore[assignment]
    msg["To"] = "cardiologie@ch-exemple.mssante.fr"
    msg["Subject"] = Header("Message non distribué : messagerie fermée", "utf-8")  # type: ignore[assignment]
    msg["Content-Type"] = "text/plain; charset=us-ascii"
    msg.set_payload("Le patient 279035121518989@patient.mssante.fr a ferme sa messagerie.\n")
    result = classify(msg)
    assert result.kind is ReplyKind.MAILBOX_CLOSED
    assert result.defects == ()
    assert [r.address for r in result.recipients] == ["279035121518989@patient.mssante.fr"]
