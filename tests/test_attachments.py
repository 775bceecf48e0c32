"""Tests of mssc.attachments: sniffing, extensions, safe names and the whitelist policy."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mssc.attachments import (
    DEFAULT_OUTBOUND_POLICY,
    INBOUND_POLICY,
    Attachment,
    AttachmentPolicy,
    media_type_for_filename,
    normalize_media_type,
    safe_filename,
    sniff_media_type,
    unique_filenames,
)
from mssc.errors import AttachmentRejected, InvalidPolicy

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
TIFF_LE = b"II*\x00\x08\x00\x00\x00"
TIFF_BE = b"MM\x00*\x00\x00\x00\x08"
RTF = b"{\\rtf1\\ansi Bonjour}"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(32)
ZIP = b"PK\x03\x04\x14\x00\x00\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00"
ELF = b"\x7fELF\x02\x01\x01"
MACHO = b"\xcf\xfa\xed\xfe\x07\x00"
TEXT = "Résultats : normaux.\nÀ bientôt.\n".encode()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF, "application/pdf"),
        (b"\n\n" + PDF, "application/pdf"),
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (TIFF_LE, "image/tiff"),
        (TIFF_BE, "image/tiff"),
        (RTF, "application/rtf"),
        (OLE2, "application/msword"),
        (ZIP, "application/zip"),
        (EXE, "application/x-msdownload"),
        (ELF, "application/x-executable"),
        (MACHO, "application/x-mach-binary"),
        (TEXT, "text/plain"),
        ("Ceci est du texte en Windows-1252 é".encode("cp1252"), "text/plain"),
        (b"<!DOCTYPE html><html></html>", "text/html"),
        (b"", None),
        (b"\x00\x01\x02\x03binary", None),
        (b"abc\x1b[31m", None),
    ],
)
def test_sniff(content: bytes, expected: str | None) -> None:
    assert sniff_media_type(content) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.pdf", "application/pdf"),
        ("A.PDF", "application/pdf"),
        ("photo.jpg", "image/jpeg"),
        ("photo.JPEG", "image/jpeg"),
        ("scan.tif", "image/tiff"),
        ("scan.tiff", "image/tiff"),
        ("x.png", "image/png"),
        ("lettre.rtf", "application/rtf"),
        ("notes.txt", "text/plain"),
        ("vieux.doc", "application/msword"),
        ("archive.tar", None),
        ("sans-extension", None),
    ],
)
def test_media_type_for_filename(name: str, expected: str | None) -> None:
    assert media_type_for_filename(name) == expected


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        ("image/jpg", "image/jpeg"),
        ("IMAGE/PJPEG", "image/jpeg"),
        ("application/x-rtf", "application/rtf"),
        ("text/rtf", "application/rtf"),
        ("application/pdf; name=x.pdf", "application/pdf"),
        ("application/octet-stream", None),
        (None, None),
    ],
)
def test_normalize_media_type(declared: str | None, expected: str | None) -> None:
    assert normalize_media_type(declared) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../x.pdf", "x.pdf"),
        ("C:\\Users\\a\\compte-rendu.pdf", "compte-rendu.pdf"),
        ("...cache.pdf", "cache.pdf"),
        ("a\x00b\r\nc.pdf", "abc.pdf"),
        ("bilan\u202egpj.exe", "bilangpj.exe"),
        ("Résultats: <mars>?.pdf", "Résultats mars.pdf"),
        ("", "attachment"),
        (".pdf", "attachment.pdf"),
        ("CON.txt", "_CON.txt"),
        ("a   b.pdf", "a b.pdf"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_safe_filename_keeps_unicode_in_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Hélène.pdf")
    assert safe_filename(decomposed) == unicodedata.normalize("NFC", "Hélène.pdf")


def test_safe_filename_length_keeps_extension() -> None:
    name = "é" * 300 + ".pdf"
    out = safe_filename(name, max_length=50)
    assert len(out) == 50
    assert out.endswith(".pdf")


@settings(max_examples=200)
@given(st.text(), st.integers(min_value=8, max_value=200))
def test_safe_filename_properties(name: str, limit: int) -> None:
    out = safe_filename(name, max_length=limit)
    assert out
    assert len(out) <= limit
    assert "/" not in out
    assert "\\" not in out
    assert not out.startswith(".")
    assert all(unicodedata.category(ch) not in {"Cc", "Cf"} for ch in out)
    assert out == unicodedata.normalize("NFC", out)
    assert safe_filename(out, max_length=limit) == out


@pytest.mark.parametrize(
    ("name", "content", "declared", "code"),
    [
        ("photo.pdf", PNG, None, "type-mismatch"),  # a .pdf whose bytes are PNG
        ("doc.pdf", PDF, "image/png", "type-mismatch"),
        ("doc.pdf", b"just some text", None, "type-mismatch"),
        ("virus.pdf", EXE, None, "type-mismatch"),
        ("virus.exe", EXE, None, "type-not-allowed"),
        ("archive.zip", ZIP, None, "type-not-allowed"),
        ("notes.txt", TEXT, None, "type-not-allowed"),  # not in the outbound default
        ("x.unknownext", PDF, None, "type-not-allowed"),
        ("vide.pdf", b"", None, "empty"),
        ("../../x.pdf", PDF, None, "bad-filename"),
        ("dir\\x.pdf", PDF, None, "bad-filename"),
        ("a\nb.pdf", PDF, None, "bad-filename"),
        ("", PDF, None, "bad-filename"),
        ("sans-extension", PDF, None, "bad-filename"),
    ],
)
def test_outbound_refusals(name: str, content: bytes, declared: str | None, code: str) -> None:
    verdict = DEFAULT_OUTBOUND_POLICY.verdict(name, content, declared)
    assert not verdict.accepted
    assert verdict.code == code
    assert verdict.reason
    assert verdict.media_type == sniff_media_type(content)
    with pytest.raises(AttachmentRejected) as info:
        DEFAULT_OUTBOUND_POLICY.check(name, content, declared)
    assert info.value.code == code
    assert info.value.hint


@pytest.mark.parametrize(
    ("name", "content", "declared"),
    [
        ("cr.pdf", PDF, None),
        ("cr.PDF", PDF, "application/pdf"),
        ("photo.jpg", JPEG, "image/jpg"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("scan.tif", TIFF_LE, "image/tiff"),
        ("scan.tiff", TIFF_BE, None),
        ("image.png", PNG, "application/octet-stream"),
        ("lettre.rtf", RTF, "text/rtf"),
        ("lettre.rtf", RTF, "application/x-rtf"),
    ],
)
def test_outbound_accepts(name: str, content: bytes, declared: str | None) -> None:
    verdict = DEFAULT_OUTBOUND_POLICY.verdict(name, content, declared)
    assert verdict.accepted, verdict.reason
    assert verdict.code is None
    assert DEFAULT_OUTBOUND_POLICY.check(name, content, declared) == media_type_for_filename(name)


@pytest.mark.parametrize(
    ("name", "content"), [("notes.txt", TEXT), ("vieux.doc", OLE2), ("cr.pdf", PDF)]
)
def test_inbound_policy_accepts_patient_types(name: str, content: bytes) -> None:
    assert INBOUND_POLICY.verdict(name, content).accepted
    assert AttachmentPolicy.inbound() == INBOUND_POLICY


def test_policy_widening_is_explicit() -> None:
    widened = AttachmentPolicy.outbound().allowing("application/x-zip-compressed")
    assert "application/zip" in widened.allowed
    assert widened.check("IHE_XDM.ZIP", ZIP) == "application/zip"
    assert not DEFAULT_OUTBOUND_POLICY.verdict("IHE_XDM.ZIP", ZIP).accepted


def test_policy_refuses_types_it_cannot_sniff() -> None:
    with pytest.raises(InvalidPolicy) as info:
        AttachmentPolicy(frozenset({"application/vnd.oasis.opendocument.text"}))
    assert info.value.code == "unknown-media-type"


@settings(max_examples=200)
@given(st.text(max_size=40), st.binary(max_size=64), st.one_of(st.none(), st.text(max_size=30)))
def test_verdict_never_raises(name: str, content: bytes, declared: str | None) -> None:
    verdict = INBOUND_POLICY.verdict(name, content, declared)
    assert verdict.accepted == (verdict.code is None)


def test_attachment_from_path(tmp_path: Path) -> None:
    path = tmp_path / "compte-rendu.pdf"
    path.write_bytes(PDF)
    att = Attachment.from_path(path)
    assert (att.filename, att.content, att.size) == ("compte-rendu.pdf", PDF, len(PDF))
    renamed = Attachment.from_path(str(path), filename="autre.pdf")
    assert renamed.filename == "autre.pdf"


def test_attachment_is_frozen_and_typed() -> None:
    att = Attachment("a.pdf", bytearray(PDF))  # type: ignore[arg-type]
    assert isinstance(att.content, bytes)
    with pytest.raises(AttributeError):
        att.filename = "b.pdf"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Attachment("a.pdf", "text")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "content",
    [
        b"<html><script>alert(1)</script>" + PDF,  # an HTML/PDF polyglot
        b"junk" * 10 + PDF,
        bytes(200) + PDF,
    ],
)
def test_outbound_pdf_header_must_open_the_file(content: bytes) -> None:
    assert sniff_media_type(content) == "application/pdf"  # what lenient readers accept
    verdict = DEFAULT_OUTBOUND_POLICY.verdict("cr.pdf", content)
    assert not verdict.accepted
    assert verdict.code == "type-mismatch"


@pytest.mark.parametrize("prefix", [b"", b"\n", b"\r\n \t", b"\xef\xbb\xbf"])
def test_outbound_pdf_after_white_space_is_accepted(prefix: bytes) -> None:
    assert DEFAULT_OUTBOUND_POLICY.verdict("cr.pdf", prefix + PDF).accepted


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("LPT1.tar.pdf", "_LPT1.tar.pdf"),  # Windows reserves the name whatever the extensions
        ("CONIN$.pdf", "_CONIN$.pdf"),
        ("conout$.pdf", "_conout$.pdf"),
        ("COM\u00b9.pdf", "_COM\u00b9.pdf"),  # superscript digits are reserved too
        ("nul .pdf", "_nul.pdf"),
        ("console.pdf", "console.pdf"),
    ],
)
def test_safe_filename_windows_devices(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


@pytest.mark.parametrize("char", ["é", "\u4e2d", "\U0001f600"])
def test_safe_filename_fits_a_file_system_name_in_utf8(char: str) -> None:
    out = safe_filename(char * 300 + ".pdf")
    assert out.endswith(".pdf")
    assert len(out.encode("utf-8")) <= 255
    assert out.encode("utf-8").decode("utf-8") == out
    assert set(out.removesuffix(".pdf")) == {char}


@settings(max_examples=150)
@given(
    st.lists(
        st.sampled_from(["cr.pdf", "CR.pdf", "cr (2).pdf", "Cr (3).PDF", "é.pdf", "e\u0301.pdf"])
    )
)
def test_unique_filenames_properties(names: list[str]) -> None:
    safe = [safe_filename(n) for n in names]
    out = unique_filenames(safe)
    assert len(out) == len(safe)
    folded = [unicodedata.normalize("NFC", n).casefold() for n in out]
    assert len(set(folded)) == len(folded)
    assert all(o.lower().endswith(".pdf") for o in out)
    assert unique_filenames(out) == out  # distinct names are left alone
    assert [o for o, s in zip(out, safe, strict=True) if o == s][:1] == safe[:1]  # first kept


def test_unique_filenames_keeps_the_limits() -> None:
    name = safe_filename("\U0001f600" * 300 + ".pdf")
    out = unique_filenames([name] * 12)
    assert len(set(out)) == 12
    assert all(len(o.encode("utf-8")) <= 255 and o.endswith(".pdf") for o in out)
    assert out[11].endswith(" (12).pdf")


def test_unique_filenames_fold_as_a_file_system_does() -> None:
    # Case folding decomposes ΐ; only NFC after it makes Ϊ́ (capital, with a combining accent)
    # the same name on a case-insensitive, normalising file system (APFS).
    capital, small = "\u03aa\u0301.pdf", "\u0390.pdf"
    assert unique_filenames([small, capital]) == (small, "\u03aa\u0301 (2).pdf")
