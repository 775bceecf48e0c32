"""Every template composed through compose_template: FIN-safe, round-trips, conformant."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest

from mssc.ins import INS_TEST_OID, IdentityStatus, Ins, PatientIdentity, Sex, parse_ins
from mssc.templates import compose_template, example_context, example_data, names, render

compose = pytest.importorskip("mssc.compose")
headers = pytest.importorskip("mssc.headers")

NAMES = names()
PATIENT = PatientIdentity(
    ins=parse_ins("297022A02077878", oid=INS_TEST_OID),
    status=IdentityStatus.QUAL,
    birth_name="ADRTROIS",
    first_names="DOMINIQUE",
    birth_date=dt.date(1997, 2, 26),
    sex=Sex.FEMALE,
    usage_name="MARTIN",
)
NO_PATIENT = {
    "patient_civility": None,
    "patient_first_name": None,
    "patient_usage_name": None,
    "patient_birth_name": None,
}


def _composer() -> Any:
    return compose.Composer(
        "DEV935997",
        clock=lambda: dt.datetime(2026, 2, 20, 9, 30, tzinfo=dt.timezone.utc),
        message_ids=headers.SequentialMessageIds("tpl"),
    )


def _sender() -> Any:
    return compose.Sender.applicative(
        "gam@ch-trois-rivieres.mssante.fr",
        entity="CH des Trois Rivières",
        return_address="admissions@ch-trois-rivieres.mssante.fr",
    )


def _parse(raw: bytes) -> EmailMessage:
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@pytest.mark.parametrize("with_html", [False, True])
@pytest.mark.parametrize("name", NAMES)
def test_every_template_composes_and_round_trips(name: str, with_html: bool) -> None:
    data = {**example_data(name), **NO_PATIENT}
    sent = compose_template(
        _composer(), name, data, sender=_sender(), to=PATIENT, with_html=with_html
    )
    # The example names are the identity's: filling them from PATIENT gives the same text.
    expected = render(name, example_data(name))
    raw = sent.to_bytes()
    parsed = _parse(raw)
    assert parsed["Subject"] == expected.subject
    assert not headers.contains_fin_word(str(parsed["Subject"]))
    assert parsed.get("X-MSS-MES") is None
    assert parsed["To"].addresses[0].addr_spec == PATIENT.ins.address
    plain = parsed.get_body(preferencelist=("plain",))
    assert plain is not None
    assert plain.get_content().replace("\r\n", "\n") == expected.text
    html = parsed.get_body(preferencelist=("html",))
    if with_html:
        assert html is not None
        assert html.get_content().replace("\r\n", "\n") == expected.html
    else:
        assert parsed.get_content_type() == "text/plain"


@pytest.mark.parametrize("name", NAMES)
def test_composer_method_delegates(name: str) -> None:
    composer = _composer()
    if not hasattr(composer, "compose_template"):
        pytest.skip("Composer.compose_template is not there yet")
    data = {**example_data(name), **NO_PATIENT}
    by_method = composer.compose_template(name, data, sender=_sender(), to=PATIENT)
    by_function = compose_template(_composer(), name, data, sender=_sender(), to=PATIENT)
    assert by_method.to_bytes() == by_function.to_bytes()


@pytest.mark.parametrize("name", NAMES)
def test_composed_templates_pass_the_checker_without_warning(name: str) -> None:
    conformance = pytest.importorskip("mssc.conformance")
    sent = compose_template(
        _composer(), name, example_data(name), sender=_sender(), to=PATIENT, with_html=True
    )
    report = conformance.check(sent)
    assert [f for f in report.findings if f.severity in ("error", "warning")] == []


def test_the_caller_options_reach_the_composer() -> None:
    sent = compose_template(
        _composer(),
        "comptes-rendus",
        example_data("comptes-rendus"),
        sender=_sender(),
        to=PATIENT.ins,
        read_receipt=True,
    )
    parsed = _parse(sent.to_bytes())
    assert parsed["Disposition-Notification-To"] is not None


@pytest.mark.parametrize("option", ["subject", "text", "html"])
def test_template_owned_options_are_refused(option: str) -> None:
    with pytest.raises(TypeError, match=option):
        compose_template(
            _composer(),
            "rappel",
            example_data("rappel"),
            sender=_sender(),
            to=PATIENT,
            **{option: "x"},  # type: ignore[arg-type]
        )


@pytest.mark.parametrize("to", [PATIENT.ins, PATIENT], ids=["ins", "identity"])
def test_a_context_of_another_template_is_a_type_error(to: Ins | PatientIdentity) -> None:
    # Filling the names from an identity must not turn the wrong model into a mapping.
    with pytest.raises(TypeError, match="not a RappelContext"):
        compose_template(
            _composer(), "convocation", example_context("rappel"), sender=_sender(), to=to
        )


def test_an_unqualified_identity_is_still_refused_by_the_composer() -> None:
    from mssc.errors import UnqualifiedIdentity

    unqualified = PATIENT.model_copy(update={"status": IdentityStatus.VALI})
    with pytest.raises(UnqualifiedIdentity):
        compose_template(
            _composer(), "rappel", example_data("rappel"), sender=_sender(), to=unqualified
        )
