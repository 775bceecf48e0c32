"""Attachment values, media-type sniffing, the whitelist policy and safe file names.

The type of an attachment is decided from three sources that must agree: the content's magic
bytes, the file name's extension and the declared media type (when there is one).

>>> policy = AttachmentPolicy.outbound()
>>> policy.check("compte-rendu.pdf", b"%PDF-1.7\\n%...")
'application/pdf'
>>> policy.verdict("photo.pdf", b"\\x89PNG\\r\\n\\x1a\\n....").code
'type-mismatch'
>>> safe_filename("../../Résultats: mars?.pdf")
'Résultats mars.pdf'
"""

from __future__ import annotations

import codecs
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from mssc.errors import AttachmentRejected, InvalidPolicy

__all__ = [
    "DEFAULT_OUTBOUND_POLICY",
    "INBOUND_POLICY",
    "MAX_FILENAME_OCTETS",
    "SNIFFABLE_MEDIA_TYPES",
    "XDM_ATTACHMENT_NAME",
    "Attachment",
    "AttachmentPolicy",
    "AttachmentVerdict",
    "media_type_for_filename",
    "normalize_media_type",
    "safe_filename",
    "sniff_media_type",
    "unique_filenames",
]

PDF: Final = "application/pdf"
JPEG: Final = "image/jpeg"
PNG: Final = "image/png"
TIFF: Final = "image/tiff"
GIF: Final = "image/gif"
RTF: Final = "application/rtf"
DOC: Final = "application/msword"
ZIP: Final = "application/zip"
TEXT: Final = "text/plain"
HTML: Final = "text/html"
EXE_WINDOWS: Final = "application/x-msdownload"
EXE_ELF: Final = "application/x-executable"
EXE_MACHO: Final = "application/x-mach-binary"

#: Every media type :func:`sniff_media_type` can return.
SNIFFABLE_MEDIA_TYPES: Final = frozenset(
    {PDF, JPEG, PNG, TIFF, GIF, RTF, DOC, ZIP, TEXT, HTML, EXE_WINDOWS, EXE_ELF, EXE_MACHO}
)

# Magic numbers checked at offset 0, in order.
_MAGIC: Final[tuple[tuple[bytes, str], ...]] = (
    (b"%PDF-", PDF),
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"II*\x00", TIFF),
    (b"MM\x00*", TIFF),
    (b"II+\x00", TIFF),  # BigTIFF
    (b"MM\x00+", TIFF),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"{\\rtf", RTF),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", DOC),  # OLE2 compound file (Word 97-2003)
    (b"PK\x03\x04", ZIP),
    (b"PK\x05\x06", ZIP),  # empty archive
    (b"PK\x07\x08", ZIP),  # spanned archive
    (b"MZ", EXE_WINDOWS),
    (b"\x7fELF", EXE_ELF),
    (b"\xfe\xed\xfa\xce", EXE_MACHO),
    (b"\xfe\xed\xfa\xcf", EXE_MACHO),
    (b"\xce\xfa\xed\xfe", EXE_MACHO),
    (b"\xcf\xfa\xed\xfe", EXE_MACHO),
    (b"\xca\xfe\xba\xbe", EXE_MACHO),  # universal binary
)

_TEXT_SAMPLE: Final = 65_536
_HTML_START = re.compile(rb"\s*<(?:!doctype\s+html|html|head|body|script|iframe)\b", re.I)
# C0 controls other than TAB, LF, VT, FF, CR, plus DEL; ESC (0x1b) is also refused.
_BINARY_CONTROLS: Final = frozenset(set(range(0x20)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D}) | {0x7F}


def _looks_like_text(sample: bytes) -> bool:
    """Heuristic: no NUL, decodes as UTF-8 (or Windows-1252), no binary control characters."""
    if b"\x00" in sample:
        return False
    if sample.startswith(codecs.BOM_UTF8):
        sample = sample[len(codecs.BOM_UTF8) :]
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        try:
            sample.decode("cp1252")
        except UnicodeDecodeError:
            return False
    return not any(b in _BINARY_CONTROLS for b in sample)


def _pdf_header_first(content: bytes) -> bool:
    """Whether ``%PDF-`` opens the file, after at most a UTF-8 BOM and white space.

    :func:`sniff_media_type` accepts the header anywhere in the first 1024 bytes, as PDF readers
    do; a policy does not: whatever precedes the header may be read as another format (HTML,
    script) by another program.
    """
    head = bytes(content[:1024]).removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n\f")
    return head.startswith(b"%PDF-")


def sniff_media_type(content: bytes) -> str | None:
    """Return the media type that the content's magic bytes announce, or None when unknown.

    Recognised: PDF (``%PDF-`` in the first 1024 bytes), JPEG, PNG, TIFF (and BigTIFF), GIF, RTF,
    OLE2 compound files (reported as ``application/msword``), ZIP, Windows (``MZ``), ELF and
    Mach-O executables, HTML and, as a last resort, plain text (no NUL byte, decodes as UTF-8 or
    Windows-1252, no binary control characters). Empty content gives None.

    >>> sniff_media_type(b"%PDF-1.4 ...")
    'application/pdf'
    >>> sniff_media_type(b"Bonjour\\n") , sniff_media_type(b"\\x00\\x01")
    ('text/plain', None)
    """
    if not content:
        return None
    head = bytes(content[:1024])
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            return media_type
    if b"%PDF-" in head:  # some producers write junk before the header; readers accept it
        return PDF
    sample = bytes(content[:_TEXT_SAMPLE])
    if _looks_like_text(sample):
        if _HTML_START.match(sample.removeprefix(codecs.BOM_UTF8)):
            return HTML
        return TEXT
    return None


_EXTENSIONS: Final[dict[str, str]] = {
    ".pdf": PDF,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".jpe": JPEG,
    ".jfif": JPEG,
    ".png": PNG,
    ".tif": TIFF,
    ".tiff": TIFF,
    ".gif": GIF,
    ".rtf": RTF,
    ".doc": DOC,
    ".zip": ZIP,
    ".txt": TEXT,
    ".htm": HTML,
    ".html": HTML,
    ".exe": EXE_WINDOWS,
    ".dll": EXE_WINDOWS,
    ".scr": EXE_WINDOWS,
    ".com": EXE_WINDOWS,
}


def media_type_for_filename(filename: str) -> str | None:
    """Return the media type that a file name's extension announces (case-insensitive), or None.

    >>> media_type_for_filename("SCAN.TIF"), media_type_for_filename("notes")
    ('image/tiff', None)
    """
    _, dot, ext = filename.rpartition(".")
    if not dot:
        return None
    return _EXTENSIONS.get("." + ext.strip().lower())


_ALIASES: Final[dict[str, str]] = {
    "image/jpg": JPEG,
    "image/pjpeg": JPEG,
    "image/x-png": PNG,
    "image/tif": TIFF,
    "image/x-tiff": TIFF,
    "application/x-pdf": PDF,
    "application/acrobat": PDF,
    "application/x-rtf": RTF,
    "text/rtf": RTF,
    "application/doc": DOC,
    "application/vnd.ms-word": DOC,
    "application/x-zip-compressed": ZIP,
    "application/x-zip": ZIP,
    "application/x-msdos-program": EXE_WINDOWS,
    "application/x-dosexec": EXE_WINDOWS,
    "application/vnd.microsoft.portable-executable": EXE_WINDOWS,
}
# Declarations that say nothing about the type: treated as "no declaration".
_GENERIC: Final = frozenset({"", "application/octet-stream", "binary/octet-stream"})


def normalize_media_type(media_type: str | None) -> str | None:
    """Lower-case a media type, drop its parameters and map known aliases to one spelling.

    Generic declarations (``application/octet-stream``) give None: they say nothing.

    >>> normalize_media_type("Image/JPG; name=x.jpg"), normalize_media_type("text/rtf")
    ('image/jpeg', 'application/rtf')
    """
    if media_type is None:
        return None
    value = media_type.split(";", 1)[0].strip().lower()
    if value in _GENERIC:
        return None
    return _ALIASES.get(value, value)


_RESERVED: Final = frozenset('<>:"/\\|?*')
_WINDOWS_DEVICES: Final = frozenset(
    {"con", "prn", "aux", "nul", "conin$", "conout$"}
    | {f"{d}{i}" for d in ("com", "lpt") for i in (*"0123456789", "\u00b9", "\u00b2", "\u00b3")}
)
#: The longest file name mssc writes, in UTF-8 octets (what ext4, APFS and others can store).
MAX_FILENAME_OCTETS: Final = 255
# The longest file name, in characters, that safe_filename and unique_filenames write by default.
_MAX_LENGTH: Final = 120
_EXT_RE = re.compile(r"\.[^\W_]{1,16}\Z")


def _drop_char(ch: str) -> bool:
    # Cc: C0/C1 controls; Cf: bidi overrides, zero-width chars; Zl/Zp: line separators.
    return ch in _RESERVED or unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp", "Cs", "Co"}


def _split_ext(name: str) -> tuple[str, str]:
    m = _EXT_RE.search(name)
    if m is None:
        return name, ""
    return name[: m.start()], m.group()


def safe_filename(name: str, *, max_length: int = _MAX_LENGTH) -> str:
    """Return a file name that is safe to put in a ``Content-Disposition`` and to save to disk.

    - only the last path component is kept (after ``/`` and ``\\``);
    - control, format (bidi overrides, zero-width) and reserved (``<>:"/\\|?*``) characters
      are removed, runs of white space become one space;
    - leading dots and spaces, trailing dots and spaces are removed; Windows device names
      (``CON``, ``NUL``, ``COM1``, ``CONIN$``…, also before several extensions) get a ``_``
      prefix;
    - Unicode is kept, in NFC;
    - at most ``max_length`` characters and :data:`MAX_FILENAME_OCTETS` octets of UTF-8, cut
      between whole characters, the extension kept;
    - never empty: ``attachment`` (plus the extension) when nothing is left.

    >>> safe_filename("C:\\\\temp\\\\..\\\\.bilan\\u202egpj.exe")
    'bilangpj.exe'
    >>> safe_filename("." * 3)
    'attachment'
    """
    if max_length < 1:
        raise ValueError("max_length must be positive")
    text = unicodedata.normalize("NFC", name)
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(ch for ch in text if not _drop_char(ch))
    text = " ".join(text.split())
    stem, ext = _split_ext(text)
    stem = stem.strip(" .")
    if ext and len(ext) >= max_length:
        ext = ""
    if not stem:
        stem = "attachment"
    # Windows reserves a device name whatever follows its first dot (NUL.tar.gz).
    if stem.split(".", 1)[0].rstrip(" ").lower() in _WINDOWS_DEVICES:
        stem = "_" + stem
    return _fit(stem, ext, max_length)


def _fit(stem: str, ext: str, max_length: int) -> str:
    """``stem + ext`` cut to ``max_length`` characters and :data:`MAX_FILENAME_OCTETS` octets of
    UTF-8, by shortening the stem only (whole characters, so the UTF-8 stays valid)."""
    budget = MAX_FILENAME_OCTETS - len(ext.encode("utf-8"))
    cut = stem[: max_length - len(ext)].encode("utf-8")[:budget].decode("utf-8", "ignore")
    return (cut.rstrip(" .") or "attachment"[: max_length - len(ext)]) + ext


def unique_filenames(names: Sequence[str], *, max_length: int = _MAX_LENGTH) -> tuple[str, ...]:
    """Return ``names`` (already safe) with duplicates renamed ``name (2).ext``, ``name (3).ext``…

    Names are compared as a case-insensitive file system would (NFC, case folded), so that no
    attachment silently replaces another when the patient saves them.

    >>> unique_filenames(["cr.pdf", "CR.pdf", "cr (2).pdf"])
    ('cr.pdf', 'CR (3).pdf', 'cr (2).pdf')
    """
    taken = {_fold(n) for n in names}
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        candidate = _renamed(name, taken, max_length) if _fold(name) in seen else name
        taken.add(_fold(candidate))
        seen.add(_fold(candidate))
        out.append(candidate)
    return tuple(out)


def _renamed(name: str, taken: set[str], max_length: int) -> str:
    """The first of ``name (2).ext``, ``name (3).ext``… whose :func:`_fold` is not in ``taken``,
    each cut by :func:`_fit` to ``max_length`` characters and :data:`MAX_FILENAME_OCTETS`."""
    stem, ext = _split_ext(name)
    n = 2
    while True:
        candidate = _fit(stem, f" ({n}){ext}", max_length)
        if _fold(candidate) not in taken:
            return candidate
        n += 1


def _fold(name: str) -> str:
    """The key under which case-insensitive file systems (Windows, macOS) see names equal: NFC
    again after case folding, which can decompose (``Ϊ́`` and ``ΐ`` fold alike)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def _filename_problem(filename: str) -> str | None:
    """Say why a file name cannot be used as given (None when it can)."""
    if not isinstance(filename, str) or not filename.strip():
        return "the file name is empty"
    if "/" in filename or "\\" in filename:
        return f"the file name {filename!r} has path parts"
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp", "Cs"} for ch in filename):
        return f"the file name {filename!r} has control or invisible characters"
    if filename.strip(" .") == "":
        return f"the file name {filename!r} is only dots"
    if _split_ext(filename)[1] == "":
        return f"the file name {filename!r} has no extension"
    return None


@dataclass(frozen=True, slots=True)
class AttachmentVerdict:
    """The outcome of :meth:`AttachmentPolicy.verdict`.

    Attributes:
        accepted: whether the attachment passes the policy.
        media_type: the type sniffed from the content (None when unrecognised), even when refused.
        code: None when accepted, else ``type-not-allowed``, ``type-mismatch``, ``empty`` or
            ``bad-filename``.
        reason: a human explanation (empty when accepted).
    """

    accepted: bool
    media_type: str | None
    code: str | None = None
    reason: str = ""


_HINTS: Final[dict[str, str]] = {
    "empty": "attach a file that has content",
    "bad-filename": "give a plain file name with an extension, such as compte-rendu.pdf",
    "type-mismatch": "check that the file really is what its name says (convert or rename it)",
    "type-not-allowed": "send PDF, JPEG, PNG, TIFF or RTF, or widen the AttachmentPolicy "
    "explicitly",
}


#: The name of the Ségur document archive (compared case-insensitively).
XDM_ATTACHMENT_NAME: Final = "IHE_XDM.zip"
_XDM_METADATA = re.compile(r"IHE_XDM/[^/]+/METADATA\.XML", re.IGNORECASE)


def _xdm_layout_problem(content: bytes) -> str | None:
    """Say why ``content`` is not laid out as an IHE XDM archive (None when it is).

    Only the layout is checked here (a readable zip with an ``IHE_XDM/<subset>/METADATA.XML``);
    :func:`mssc.xdm.read_xdm` checks the paths, bounds, metadata, hashes and sizes, and the
    composer reads every archive it sends with it and checks the patient.
    """
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError):
        return "is not a readable zip archive"
    if not any(_XDM_METADATA.fullmatch(n) for n in names):
        return "has no IHE_XDM/<subset>/METADATA.XML"
    return None


@dataclass(frozen=True, slots=True)
class AttachmentPolicy:
    """A whitelist of attachment media types.

    Build the defaults with :meth:`outbound` (professional → patient: PDF, JPEG, PNG, TIFF, RTF,
    and ``IHE_XDM.zip`` when it is laid out as an XDM archive) or :meth:`inbound` (what the MES
    app lets a patient attach: PDF, JPEG, PNG, TIFF, RTF, plain text and Word 97-2003, never
    XDM), and widen with :meth:`allowing`. Every allowed type must be one mssc can recognise
    from content (:data:`SNIFFABLE_MEDIA_TYPES`); aliases (``image/jpg``…) are normalized.

    Raises:
        InvalidPolicy: code ``unknown-media-type``.
    """

    allowed: frozenset[str] = field(default_factory=frozenset)
    xdm: bool = False
    """Accept a zip named ``IHE_XDM.zip`` that is laid out as an XDM archive, even when
    ``application/zip`` is not allowed (Ségur documents, Ref#2 ECO.2.1.1)."""

    def __post_init__(self) -> None:
        normalized = frozenset(normalize_media_type(t) or "" for t in self.allowed)
        unknown = sorted(normalized - SNIFFABLE_MEDIA_TYPES)
        if unknown:
            raise InvalidPolicy(
                f"mssc cannot recognise {', '.join(map(repr, unknown))} from content",
                code="unknown-media-type",
                hint=f"allow only types among {', '.join(sorted(SNIFFABLE_MEDIA_TYPES))}",
            )
        object.__setattr__(self, "allowed", normalized)

    @classmethod
    def outbound(cls) -> AttachmentPolicy:
        """The professional → patient default: PDF, JPEG, PNG, TIFF and RTF, plus
        ``IHE_XDM.zip`` archives of Ségur documents."""
        return cls(frozenset({PDF, JPEG, PNG, TIFF, RTF}), xdm=True)

    @classmethod
    def inbound(cls) -> AttachmentPolicy:
        """What a patient can attach in the MES app: PDF, JPEG, PNG, TIFF, RTF, TXT and DOC."""
        return cls(frozenset({PDF, JPEG, PNG, TIFF, RTF, TEXT, DOC}))

    def allowing(self, *media_types: str) -> AttachmentPolicy:
        """Return a copy that also allows ``media_types`` (e.g. ``"application/zip"`` for XDM)."""
        return AttachmentPolicy(self.allowed | frozenset(media_types), xdm=self.xdm)

    def verdict(
        self, filename: str, content: bytes, declared_type: str | None = None
    ) -> AttachmentVerdict:
        """Decide whether an attachment passes. Never raises.

        The extension, the declared type (when it is not generic) and the magic bytes must all
        give the same, allowed, type.
        """
        try:
            return self._verdict(filename, content, declared_type)
        except Exception as exc:  # pragma: no cover - defensive: hostile input never raises
            return AttachmentVerdict(False, None, "bad-filename", f"unreadable attachment: {exc}")

    def _verdict(
        self, filename: str, content: bytes, declared_type: str | None
    ) -> AttachmentVerdict:
        if not content:
            return AttachmentVerdict(False, None, "empty", f"the attachment {filename!r} is empty")
        sniffed = sniff_media_type(content)
        problem = _filename_problem(filename)
        if problem is not None:
            return AttachmentVerdict(False, sniffed, "bad-filename", problem)
        by_name = media_type_for_filename(filename)
        ext = _split_ext(filename)[1].lower()
        if (
            self.xdm
            and by_name == ZIP
            and ZIP not in self.allowed
            and filename.strip().casefold() == XDM_ATTACHMENT_NAME.casefold()
        ):
            return self._xdm_verdict(filename, content, declared_type, sniffed)
        if by_name is None or by_name not in self.allowed:
            what = by_name or "unknown"
            return AttachmentVerdict(
                False,
                sniffed,
                "type-not-allowed",
                f"the extension {ext!r} of {filename!r} ({what}) is not allowed",
            )
        declared = normalize_media_type(declared_type)
        if declared is not None and declared != by_name:
            return AttachmentVerdict(
                False,
                sniffed,
                "type-mismatch",
                f"{filename!r} is declared as {declared} but its extension says {by_name}",
            )
        if sniffed != by_name:
            content_says = sniffed or "an unrecognised format"
            return AttachmentVerdict(
                False,
                sniffed,
                "type-mismatch",
                f"the content of {filename!r} is {content_says}, not {by_name} as its name says",
            )
        return _accepted(sniffed, content, repr(filename))

    def _xdm_verdict(
        self, filename: str, content: bytes, declared_type: str | None, sniffed: str | None
    ) -> AttachmentVerdict:
        declared = normalize_media_type(declared_type)
        if declared is not None and declared != ZIP:
            return AttachmentVerdict(
                False, sniffed, "type-mismatch", f"{filename!r} is declared as {declared}"
            )
        if sniffed != ZIP:
            return AttachmentVerdict(
                False, sniffed, "type-mismatch", f"the content of {filename!r} is not a zip"
            )
        problem = _xdm_layout_problem(content)
        if problem is not None:
            return AttachmentVerdict(
                False, sniffed, "type-not-allowed", f"{filename!r} {problem}: not an XDM archive"
            )
        return AttachmentVerdict(True, ZIP)

    def check(self, filename: str, content: bytes, declared_type: str | None = None) -> str:
        """Return the attachment's media type, or raise when the policy refuses it.

        Raises:
            AttachmentRejected: code ``type-not-allowed``, ``type-mismatch``, ``empty`` or
                ``bad-filename``.
        """
        v = self.verdict(filename, content, declared_type)
        if v.accepted and v.media_type is not None:
            return v.media_type
        code = v.code or "type-not-allowed"
        raise AttachmentRejected(v.reason, code=code, hint=_HINTS[code], filename=str(filename))


def _accepted(sniffed: str, content: bytes, what: str) -> AttachmentVerdict:
    """Accept ``content``, whose type ``sniffed`` passed every other check, unless it is a PDF
    whose header does not open the file."""
    if sniffed == PDF and not _pdf_header_first(content):
        return AttachmentVerdict(
            False,
            sniffed,
            "type-mismatch",
            f"the PDF header of {what} is not at the start of the file: the bytes "
            "before it can make it another format as well (a polyglot)",
        )
    return AttachmentVerdict(True, sniffed)


def _inline_verdict(policy: AttachmentPolicy, content: bytes, declared: str) -> AttachmentVerdict:
    """Judge a nameless inline resource (an HTML's image) by its bytes and declared type."""
    if not content:
        return AttachmentVerdict(False, None, "empty", "the inline resource is empty")
    sniffed = sniff_media_type(content)
    if sniffed is None or sniffed not in policy.allowed:
        what = sniffed or "an unrecognised format"
        return AttachmentVerdict(
            False, sniffed, "type-not-allowed", f"the inline resource is {what}, not allowed"
        )
    wanted = normalize_media_type(declared)
    if wanted is not None and wanted != sniffed:
        return AttachmentVerdict(
            False,
            sniffed,
            "type-mismatch",
            f"the inline resource is declared as {wanted} but its content is {sniffed}",
        )
    return _accepted(sniffed, content, "the inline resource")


#: The professional → patient default (PDF, JPEG, PNG, TIFF, RTF, and XDM archives).
DEFAULT_OUTBOUND_POLICY: Final = AttachmentPolicy.outbound()
#: What a patient can attach in the MES app (PDF, JPEG, PNG, TIFF, RTF, TXT, DOC).
INBOUND_POLICY: Final = AttachmentPolicy.inbound()


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file to attach: its name, its bytes and, optionally, its declared media type.

    The value is not checked here; :class:`~mssc.compose.Composer` checks it against its
    :class:`AttachmentPolicy` and uses :func:`safe_filename` for the name it writes.
    """

    filename: str
    content: bytes
    media_type: str | None = None

    def __post_init__(self) -> None:
        name: object = self.filename
        raw: object = self.content
        if not isinstance(name, str):
            raise TypeError(f"filename must be a str, not {type(name).__name__}")
        if isinstance(raw, (bytearray, memoryview)):
            object.__setattr__(self, "content", bytes(raw))
        elif not isinstance(raw, bytes):
            raise TypeError(f"content must be bytes, not {type(raw).__name__}")
        if self.media_type is not None and not isinstance(self.media_type, str):
            raise TypeError("media_type must be a str or None")

    @classmethod
    def from_path(cls, path: str | os.PathLike[str], filename: str | None = None) -> Attachment:
        """Read a file; the attachment's name is ``filename`` or the file's own base name."""
        with open(path, "rb") as f:
            content = f.read()
        return cls(filename if filename is not None else os.path.basename(os.fspath(path)), content)

    @property
    def size(self) -> int:
        """The raw size of the content, in octets."""
        return len(self.content)

    def __repr__(self) -> str:
        return (
            f"Attachment(filename={self.filename!r}, size={len(self.content)}, "
            f"media_type={self.media_type!r})"
        )
