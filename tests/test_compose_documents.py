"""Composer.compose_documents: IHE_XDM.zip and its PDFs, the X-MSS headers, the wrong-patient
guard (every variant), the size guard and the split planner, and the templates."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mssc.attachments import INBOUND_POLICY, Attachment, AttachmentPolicy
from mssc.cda import LOINC, CdaId, Code
from mssc.compose import ComposedMessage, Composer, Draft, Sender
from mssc.errors import AttachmentRejected, MessageTooLarge, PatientMismatch
from mssc.headers import SequentialMessageIds
from mssc.ins import INS_NIR_OID, INS_TEST_OID, Ins, Sex
from mssc.templates._examples import example_context
from mssc.testing.documents import TEST_WHEN, make_cda, make_identity, make_pdf
from mssc.xdm import Document, Submission, build_xdm, read_xdm

PATIENT = make_identity()
OTHER = make_identity("146026322000196", birth_name="AUTRE", first_names="PAUL", sex=Sex.MALE)
SENDER = Sender.organisational(
    "secretariat@chu-exemple.mssante.fr", entity="CHU Exemple", structure_id="1750000002"
)


def composer(limit: int = 25_000_000) -> Composer:
    return Composer(
        "DEV1",
        clock=lambda: TEST_WHEN,
        message_ids=SequentialMessageIds("doc"),
        max_size=limit,
    )


def parse(sent: ComposedMessage) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(sent.to_bytes())
    assert isinstance(message, EmailMessage)
    return message


def files(message: EmailMessage) -> list[tuple[str, str, bytes]]:
    out = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        out.append((part.get_content_type(), part.get_filename() or "", payload))
    return out


def doc(patient: object = None, n: int = 1, code: str = "11502-2", size: int = 600) -> Document:
    return Document(
        cda=make_cda(
            patient if patient is not None else PATIENT,  # type: ignore[arg-type]
            pdf=make_pdf(size, seed=n),
            code=Code(code, LOINC, f"Type {code}"),
            document_id=CdaId(root="1.2.250.1.999.1", extension=str(n)),
        )
    )


def test_the_message_carries_the_archive_one_pdf_per_cda_and_the_headers() -> None:
    documents = [doc(n=1), doc(n=2, code="18748-4"), doc(n=3, code="11502-2")]
    sent = composer().compose_documents(
        sender=SENDER, to=PATIENT, documents=documents, text="Bonjour\n"
    )
    message = parse(sent)
    attached = files(message)
    assert [t for t, _, _ in attached] == ["application/zip"] + ["application/pdf"] * 3
    assert attached[0][1] == "IHE_XDM.zip"
    assert [c for _, _, c in attached[1:]] == [d.pdf for d in documents]
    assert message["X-MSS-CODECDA"] == "11502-2,18748-4"
    assert message["X-MSS-INS"] == "O"
    assert message["Subject"] == "XDM/1.0/DDM+Bilan sanguin PAT-TROIS DOMINIQUE 28/03/1979"
    package = read_xdm(attached[0][2])
    assert package.documents == tuple(documents)
    assert package.submission.author_institution == SENDER.structure
    assert package.ins == PATIENT.ins


def test_the_pdf_names_follow_the_ref2_form() -> None:
    sent = composer().compose_documents(sender=SENDER, to=PATIENT, documents=[doc()], text="x\n")
    name = files(parse(sent))[1][1]
    assert name == "20260302_Type_11502_2_PAT_TROIS_DOMINIQUE.pdf"


def test_a_given_subject_and_submission_are_kept() -> None:
    submission = Submission(unique_id="1.2.250.1.999.9.9", source_id="1.2.250.1.999.9")
    sent = composer().compose_documents(
        sender=SENDER,
        to=PATIENT,
        documents=[doc()],
        text="x\n",
        subject="Vos résultats",
        submission=submission,
    )
    message = parse(sent)
    assert message["Subject"] == "Vos résultats"
    package = read_xdm(files(message)[0][2])
    assert package.submission.unique_id == "1.2.250.1.999.9.9"
    assert package.submission.submission_time == TEST_WHEN


def test_x_mss_ins_is_n_when_a_trait_is_missing() -> None:
    cda = make_cda().replace(
        b'<administrativeGenderCode code="F" codeSystem="2.16.840.1.113883.5.1"/>', b""
    )
    document = Document(cda=cda)
    assert document.header.patient.sex is None
    sent = composer().compose_documents(
        sender=SENDER, to=PATIENT.ins, documents=[document], text="x\n"
    )
    assert parse(sent)["X-MSS-INS"] == "N"


# --------------------------------------------------------------------------- the guard


def _mismatch(call: object) -> PatientMismatch:
    assert callable(call)
    with pytest.raises(PatientMismatch) as caught:
        call()
    assert caught.value.code == "patient-mismatch"
    return caught.value


@pytest.mark.parametrize(
    "to",
    [OTHER, OTHER.ins, OTHER.ins.address, str(OTHER.ins)],
    ids=["identity", "ins", "address", "matricule"],
)
def test_address_vs_cda(to: object) -> None:
    _mismatch(
        lambda: composer().compose_documents(sender=SENDER, to=to, documents=[doc()], text="x\n")  # type: ignore[arg-type]
    )


def test_one_document_of_another_patient_among_several() -> None:
    _mismatch(
        lambda: composer().compose_documents(
            sender=SENDER, to=PATIENT, documents=[doc(), doc(OTHER, n=2)], text="x\n"
        )
    )


def test_the_oid_must_match_when_the_ins_is_given() -> None:
    real = Ins(PATIENT.ins.matricule, INS_NIR_OID)
    _mismatch(
        lambda: composer().compose_documents(sender=SENDER, to=real, documents=[doc()], text="x\n")
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"birth_name": "PAT-QUATRE"},
        {"birth_date": date(1979, 3, 29)},
        {"sex": Sex.MALE},
    ],
    ids=["birth-name", "birth-date", "sex"],
)
def test_each_trait_must_match(changes: dict[str, object]) -> None:
    identity = PATIENT.model_copy(update=changes)
    _mismatch(
        lambda: composer().compose_documents(
            sender=SENDER, to=identity, documents=[doc()], text="x\n"
        )
    )


@pytest.mark.parametrize("name", ["pat trois", "Pat-Trois", "PÂT-TROIS", "PAT TROIS"])
def test_traits_compare_as_ins_traits_do(name: str) -> None:
    identity = PATIENT.model_copy(update={"birth_name": name})
    sent = composer().compose_documents(sender=SENDER, to=identity, documents=[doc()], text="x\n")
    assert sent.patient == Ins(PATIENT.ins.matricule)


def test_a_cda_without_ins_is_refused() -> None:
    cda = make_cda().replace(INS_TEST_OID.encode(), b"1.2.250.1.999.3")
    _mismatch(
        lambda: composer().compose_documents(
            sender=SENDER, to=PATIENT, documents=[Document(cda=cda)], text="x\n"
        )
    )


def _archive(metadata_change: tuple[bytes, bytes] | None = None, cda_of: object = None) -> bytes:
    data = build_xdm(
        [doc(cda_of)] if cda_of is not None else [doc()],
        submission=Submission(submission_time=TEST_WHEN, unique_id="1.2.250.1.999.8"),
    )
    if metadata_change is None:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename.endswith("METADATA.XML"):
                old, new = metadata_change
                assert old in content
                content = content.replace(old, new)
            dst.writestr(info.filename, content)
    return out.getvalue()


OTHER_PID = b"146026322000196^^^&amp;1.2.250.1.213.1.4.10"
OWN_PID = b"279035121518989^^^&amp;1.2.250.1.213.1.4.10"


def _send_archive(data: bytes) -> ComposedMessage:
    return composer().compose(
        sender=SENDER,
        to=PATIENT,
        subject="Documents",
        text="x\n",
        attachments=[Attachment("IHE_XDM.zip", data, "application/zip")],
    )


def test_a_prebuilt_archive_of_the_patient_is_sent() -> None:
    assert _send_archive(_archive()).patient == Ins(PATIENT.ins.matricule)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: _archive((OWN_PID, OTHER_PID)), id="metadata-vs-cda"),
        pytest.param(lambda: _archive(cda_of=OTHER), id="archive-of-another-patient"),
    ],
)
def test_a_prebuilt_archive_is_guarded_in_compose(make: object) -> None:
    assert callable(make)
    data = make()
    _mismatch(lambda: _send_archive(data))


def test_the_submission_set_patient_id_alone_is_checked() -> None:
    # Only the first patientId (the submission set's) is changed.
    data = build_xdm([doc()], submission=Submission(submission_time=TEST_WHEN, unique_id="1.9"))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename.endswith("METADATA.XML"):
                content = content.replace(OWN_PID, OTHER_PID, 1)
            dst.writestr(info.filename, content)
    _mismatch(
        lambda: composer().compose(
            sender=SENDER,
            to=PATIENT,
            subject="Documents",
            text="x\n",
            attachments=[Attachment("IHE_XDM.zip", out.getvalue())],
        )
    )


# --------------------------------------------------------------------------- policy


def test_the_outbound_policy_takes_an_xdm_and_only_an_xdm() -> None:
    policy_ = AttachmentPolicy.outbound()
    assert policy_.check("IHE_XDM.ZIP", _archive()) == "application/zip"
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as z:
        z.writestr("notes.txt", "x")
    for name, content in (("IHE_XDM.zip", plain.getvalue()), ("archive.zip", _archive())):
        with pytest.raises(AttachmentRejected):
            policy_.check(name, content)


def test_the_inbound_policy_refuses_xdm() -> None:
    verdict = INBOUND_POLICY.verdict("IHE_XDM.zip", _archive())
    assert not verdict.accepted
    assert verdict.code == "type-not-allowed"


# --------------------------------------------------------------------------- size and split


def test_documents_over_the_limit_are_refused_together() -> None:
    big = [doc(n=1, size=40_000), doc(n=2, size=40_000)]
    with pytest.raises(MessageTooLarge) as caught:
        composer(limit=100_000).compose_documents(
            sender=SENDER, to=PATIENT, documents=big, text="x\n"
        )
    assert "travel together" in caught.value.hint


def test_plan_split_keeps_the_archive_and_its_pdfs_together() -> None:
    documents = (doc(n=1, size=30_000), doc(n=2, size=30_000))
    extra = tuple(Attachment(f"annexe{i}.pdf", make_pdf(60_000, seed=i)) for i in range(3))
    draft = Draft(
        sender=SENDER,
        to=PATIENT,
        subject="Documents",
        text="x\n",
        attachments=extra,
        documents=documents,
    )
    c = composer(limit=200_000)
    plans = c.plan_split(draft)
    assert len(plans) > 1
    assert plans[0].documents == documents
    assert all(p.documents == () for p in plans[1:])
    assert sorted(a.filename for p in plans for a in p.attachments) == [a.filename for a in extra]
    sent = c.compose_split(draft)
    assert [m.size for m in sent] == [p.size for p in plans]
    first, *rest = (parse(m) for m in sent)
    assert first["X-MSS-CODECDA"] == "11502-2"
    assert [t for t, _, _ in files(first)][:3] == [
        "application/zip",
        "application/pdf",
        "application/pdf",
    ]
    for message in rest:
        assert message["X-MSS-CODECDA"] is None
        assert all(n != "IHE_XDM.zip" for _, n, _ in files(message))


def test_estimate_size_of_a_document_draft_is_exact() -> None:
    draft = Draft(
        sender=SENDER,
        to=PATIENT,
        subject="Docs",
        text="x\n",
        documents=(doc(),),
        message_id="<a@chu-exemple.mssante.fr>",
    )
    assert composer().estimate_size(draft) == composer().compose(draft).size


# --------------------------------------------------------------------------- templates


@pytest.mark.parametrize("name", ["comptes-rendus", "ordonnance"])
def test_templates_compose_with_documents(name: str) -> None:
    sent = composer().compose_template(
        name, example_context(name), sender=SENDER, to=PATIENT, documents=[doc()]
    )
    message = parse(sent)
    assert message["X-MSS-CODECDA"] == "11502-2"
    assert next(n for _, n, _ in files(message)) == "IHE_XDM.zip"


def test_templates_guard_the_patient_too() -> None:
    _mismatch(
        lambda: composer().compose_template(
            "comptes-rendus",
            example_context("comptes-rendus"),
            sender=SENDER,
            to=OTHER,
            documents=[doc()],
        )
    )


def test_the_clock_gives_the_submission_time() -> None:
    when = datetime(2026, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
    c = Composer("DEV1", clock=lambda: when)
    sent = c.compose_documents(sender=SENDER, to=PATIENT, documents=[doc()], text="x\n")
    package = read_xdm(files(parse(sent))[0][2])
    assert package.submission.submission_time == when


# --------------------------------------------------------------------------- properties


def _matricule(sex: int, rest: int) -> str:
    from mssc.ins import ins_key

    first13 = f"{sex}790375{rest:06d}"
    return first13 + ins_key(first13)


people = st.builds(
    lambda sex, rest, name, born: make_identity(
        _matricule(sex, rest),
        birth_name=name,
        birth_date=born,
        sex=Sex.FEMALE if sex == 2 else Sex.MALE,
    ),
    st.sampled_from([1, 2]),
    st.integers(0, 3),
    st.sampled_from(["MARTIN", "BERNARD", "PAT-TROIS"]),
    st.sampled_from([date(1979, 3, 28), date(1980, 1, 1)]),
)


@settings(max_examples=60, deadline=None)
@given(recipient=people, subject=people)
def test_documents_go_only_to_their_own_patient(recipient: object, subject: object) -> None:
    from mssc.ins import PatientIdentity

    assert isinstance(recipient, PatientIdentity)
    assert isinstance(subject, PatientIdentity)
    same = (
        recipient.ins == subject.ins
        and recipient.birth_name == subject.birth_name
        and recipient.birth_date == subject.birth_date
        and recipient.sex == subject.sex
    )
    document = Document(cda=make_cda(subject, pdf=make_pdf(64)))
    try:
        sent = composer().compose_documents(
            sender=SENDER, to=recipient, documents=[document], text="x\n"
        )
    except PatientMismatch:
        assert not same
    else:
        assert same
        assert sent.patient == Ins(recipient.ins.matricule)


def test_offset_less_cda_times_are_read_in_the_local_zone() -> None:
    cda = make_cda().replace(
        b'<effectiveTime value="20260302093000+0000"/>', b'<effectiveTime value="20260715120000"/>'
    )
    document = Document(cda=cda)
    assert document.header.effective_time == datetime(2026, 7, 15, 12, 0)
    meta = read_xdm(build_xdm([document], submission=Submission(submission_time=TEST_WHEN)))
    assert meta.entries[0].creation_time == "20260715100000"  # Paris summer time is UTC+2
    utc = read_xdm(
        build_xdm(
            [document], submission=Submission(submission_time=TEST_WHEN, local_timezone="UTC")
        )
    )
    assert utc.entries[0].creation_time == "20260715120000"


def test_documents_too_large_together_cannot_be_split() -> None:
    documents = (doc(n=1, size=40_000), doc(n=2, size=40_000))
    draft = Draft(
        sender=SENDER,
        to=PATIENT,
        subject="Documents",
        text="x\n",
        attachments=(Attachment("annexe.pdf", make_pdf(1000)),),
        documents=documents,
    )
    with pytest.raises(MessageTooLarge) as caught:
        composer(limit=100_000).plan_split(draft)
    assert "travel together" in caught.value.message
    assert "IHE_XDM.zip" in caught.value.message
