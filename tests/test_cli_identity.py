"""Tests of ``mssc ins`` and ``mssc address``, through the installed console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
MSSC = Path(sys.executable).parent / ("mssc.exe" if sys.platform == "win32" else "mssc")

VALID_KEYS = {
    "input",
    "valid",
    "matricule",
    "key",
    "oid",
    "kind",
    "is_test",
    "formatted",
    "address",
}
ERROR_KEYS = {"input", "valid", "error", "code", "message", "hint"}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    if not MSSC.exists():  # pragma: no cover - the package is not installed in this interpreter
        pytest.skip(f"console script not found at {MSSC}")
    return subprocess.run(
        [str(MSSC), *args], capture_output=True, text=True, encoding="utf-8", timeout=60, cwd=ROOT
    )


def run_json(*args: str) -> tuple[int, list[dict[str, Any]]]:
    done = run(*args, "--json")
    results = json.loads(done.stdout)
    assert isinstance(results, list)
    return done.returncode, results


def test_ins_json_valid() -> None:
    status, results = run_json("ins", "2 79 03 51 215 189 89", "297022a02077878")
    assert status == 0
    assert [set(r) for r in results] == [VALID_KEYS, VALID_KEYS]
    first, corsica = results
    assert first == {
        "input": "2 79 03 51 215 189 89",
        "valid": True,
        "matricule": "279035121518989",
        "key": "89",
        "oid": "1.2.250.1.213.1.4.8",
        "kind": "NIR",
        "is_test": False,
        "formatted": "2 79 03 51 215 189 89",
        "address": "279035121518989@patient.mssante.fr",
    }
    assert corsica["matricule"] == "297022A02077878"
    assert corsica["key"] == "78"


@pytest.mark.parametrize(
    ("oid", "kind", "is_test"),
    [
        ("1.2.250.1.213.1.4.9", "NIA", False),
        ("1.2.250.1.213.1.4.10", "TEST", True),
        ("demo", "DEMO", True),
    ],
)
def test_ins_json_oid(oid: str, kind: str, is_test: bool) -> None:
    status, [result] = run_json("ins", "279035121518989", "--oid", oid)
    assert status == 0
    assert result["kind"] == kind
    assert result["is_test"] is is_test


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("279035121518988", "key-mismatch"),
        ("2790351215189", "missing-key"),
        ("27903512151898X", "characters"),
        ("", "empty"),
    ],
)
def test_ins_json_invalid(value: str, code: str) -> None:
    status, [result] = run_json("ins", value)
    assert status == 1
    assert set(result) == ERROR_KEYS
    assert result["valid"] is False
    assert result["error"] == "InvalidIns"
    assert result["code"] == code
    assert result["hint"]


def test_ins_strict() -> None:
    first13 = "3790351215189"  # sex digit 3: fine for the key, refused by --strict
    matricule = first13 + f"{97 - int(first13) % 97:02d}"
    assert run("ins", matricule).returncode == 0
    status, [result] = run_json("ins", "--strict", matricule)
    assert status == 1
    assert result["code"] == "structure"


def test_ins_one_bad_value_makes_the_status_1() -> None:
    status, results = run_json("ins", "279035121518989", "279035121518988")
    assert status == 1
    assert [r["valid"] for r in results] == [True, False]


def test_ins_text_output() -> None:
    done = run("ins", "279035121518989", "279035121518988")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith("ok")
    assert "279035121518989@patient.mssante.fr" in lines[0]
    assert lines[1].startswith("error")
    assert "[key-mismatch]" in lines[1]
    assert "expected key 89, found 88" in done.stdout


def test_address_json() -> None:
    status, results = run_json(
        "address", "279035121518989", "Dominique TROIS <297022a02077878@PATIENT.MSSANTE.FR>"
    )
    assert status == 0
    assert results == [
        {
            "input": "279035121518989",
            "valid": True,
            "matricule": "279035121518989",
            "address": "279035121518989@patient.mssante.fr",
        },
        {
            "input": "Dominique TROIS <297022a02077878@PATIENT.MSSANTE.FR>",
            "valid": True,
            "matricule": "297022A02077878",
            "address": "297022A02077878@patient.mssante.fr",
        },
    ]


@pytest.mark.parametrize(
    ("value", "error", "code", "hint_part"),
    [
        ("279035121518989@patient.mssanté.fr", "InvalidAddress", "accented-domain", "did you mean"),
        ("2790351215189@patient.mssante.fr", "InvalidAddress", "missing-key", "is 89"),
        ("dr.x@chu.mssante.fr", "InvalidAddress", "wrong-domain", "professional address"),
        ("279035121518988", "InvalidIns", "key-mismatch", "expected key 89"),
    ],
)
def test_address_json_invalid(value: str, error: str, code: str, hint_part: str) -> None:
    status, [result] = run_json("address", value)
    assert status == 1
    assert set(result) == ERROR_KEYS
    assert (result["error"], result["code"]) == (error, code)
    assert hint_part in result["hint"]


def test_address_text_output() -> None:
    done = run("address", "279035121518989")
    assert done.returncode == 0
    assert "279035121518989@patient.mssante.fr" in done.stdout


@pytest.mark.parametrize(
    "args",
    [(), ("ins",), ("address",), ("ins", "--oid", "1.2.3", "279035121518989"), ("nope",)],
)
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    done = run(*args)
    assert done.returncode == 2
    assert "usage" in done.stderr


def test_help_shows_an_example() -> None:
    for command in ("ins", "address"):
        done = run(command, "--help")
        assert done.returncode == 0
        assert f"mssc {command} " in done.stdout
