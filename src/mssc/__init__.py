"""mssc: build, check and process MSS-C messages to and from Mon espace santé.

The public API is exactly the names in ``__all__``; everything else is private. The subpackages
``mssc.templates`` (the French use-case messages) and ``mssc.testing`` (factories for vendors'
own tests) are public too and are imported by name.

``import mssc`` is cheap: the names are loaded on first use (PEP 562), each from the module that
``_EXPORTS`` names, so ``mssc.parse_ins`` costs the INS module and not the classifier, the
templates or the conformance rules.

To export a new name, add it in three places that ``tests/test_public_api.py`` keeps in step:
its module's tuple in ``_EXPORTS``, the ``if TYPE_CHECKING:`` imports (what type checkers and
editors read) and ``__all__``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mssc.addresses import (
        MSSANTE_DOMAIN,
        PATIENT_DOMAIN,
        TEST_RESPONDER,
        is_mssante_address,
        is_patient_address,
        normalize_address,
        parse_patient_address,
        patient_address,
    )
    from mssc.attachments import (
        DEFAULT_OUTBOUND_POLICY,
        INBOUND_POLICY,
        Attachment,
        AttachmentPolicy,
        AttachmentVerdict,
        media_type_for_filename,
        safe_filename,
        sniff_media_type,
        unique_filenames,
    )
    from mssc.cda import (
        CdaHeader,
        Organisation,
        Professional,
        read_header,
        wrap_pdf,
    )
    from mssc.compose import (
        CLOSURE_SUBJECT,
        BoxKind,
        ComposedMessage,
        Composer,
        Draft,
        DraftKeywords,
        Envelope,
        Sender,
    )
    from mssc.conformance import (
        CATALOGUE_VERSION,
        ConformanceReport,
        Direction,
        Finding,
        Report,
        Rule,
        Severity,
        build_report,
        check,
        report_html,
    )
    from mssc.errors import (
        AccidentalClosure,
        AttachmentRejected,
        HeaderInjection,
        InvalidAddress,
        InvalidArchive,
        InvalidDocument,
        InvalidIdentifier,
        InvalidIns,
        InvalidMessage,
        InvalidPolicy,
        InvalidSender,
        MessageTooLarge,
        MsscError,
        PatientMismatch,
        UnknownOid,
        UnqualifiedIdentity,
    )
    from mssc.headers import (
        SequentialMessageIds,
        make_message_id,
    )
    from mssc.identifiers import (
        IdentifierScheme,
        IdNat,
        IdNatKind,
        adeli,
        finess,
        parse_idnat,
        rpps,
        siren,
        siret,
    )
    from mssc.inbound import (
        InsProblem,
        PatientMessage,
        ReceivedAttachment,
        parse_patient_message,
    )
    from mssc.ins import (
        INS_DEMO_OID,
        INS_NIA_OID,
        INS_NIR_OID,
        INS_TEST_OID,
        IdentityStatus,
        Ins,
        InsKind,
        PatientIdentity,
        Sex,
        ins_key,
        is_valid_ins,
        parse_ins,
    )
    from mssc.mime import (
        LIMIT_CODES,
        MimeDefect,
        MimeLimits,
        Prescan,
        ReadMessage,
        prescan,
        read_message,
    )
    from mssc.replies import (
        Classification,
        Classifier,
        Disposition,
        DispositionType,
        Evidence,
        PhraseRule,
        RecipientOutcome,
        ReplyKind,
        StatusRule,
        classify,
    )
    from mssc.size import (
        MAX_MESSAGE_BYTES,
        PlannedMessage,
        estimate_size,
        plan_split,
    )
    from mssc.templates import (
        Rendered,
        TemplateContextError,
        TemplateSet,
        compose_template,
    )
    from mssc.xdm import (
        XDM_FILENAME,
        Document,
        Submission,
        XdmPackage,
        build_xdm,
        read_xdm,
    )

__version__ = "0.1.0"

#: Where each public name lives: module → the names it gives ``mssc``.
_EXPORTS: dict[str, tuple[str, ...]] = {
    "mssc.addresses": (
        "MSSANTE_DOMAIN",
        "PATIENT_DOMAIN",
        "TEST_RESPONDER",
        "is_mssante_address",
        "is_patient_address",
        "normalize_address",
        "parse_patient_address",
        "patient_address",
    ),
    "mssc.attachments": (
        "DEFAULT_OUTBOUND_POLICY",
        "INBOUND_POLICY",
        "Attachment",
        "AttachmentPolicy",
        "AttachmentVerdict",
        "media_type_for_filename",
        "safe_filename",
        "sniff_media_type",
        "unique_filenames",
    ),
    "mssc.cda": (
        "CdaHeader",
        "Organisation",
        "Professional",
        "read_header",
        "wrap_pdf",
    ),
    "mssc.compose": (
        "CLOSURE_SUBJECT",
        "BoxKind",
        "ComposedMessage",
        "Composer",
        "Draft",
        "DraftKeywords",
        "Envelope",
        "Sender",
    ),
    "mssc.conformance": (
        "CATALOGUE_VERSION",
        "ConformanceReport",
        "Direction",
        "Finding",
        "Report",
        "Rule",
        "Severity",
        "build_report",
        "check",
        "report_html",
    ),
    "mssc.errors": (
        "AccidentalClosure",
        "AttachmentRejected",
        "HeaderInjection",
        "InvalidAddress",
        "InvalidArchive",
        "InvalidDocument",
        "InvalidIdentifier",
        "InvalidIns",
        "InvalidMessage",
        "InvalidPolicy",
        "InvalidSender",
        "MessageTooLarge",
        "MsscError",
        "PatientMismatch",
        "UnknownOid",
        "UnqualifiedIdentity",
    ),
    "mssc.headers": (
        "SequentialMessageIds",
        "make_message_id",
    ),
    "mssc.identifiers": (
        "IdNat",
        "IdNatKind",
        "IdentifierScheme",
        "adeli",
        "finess",
        "parse_idnat",
        "rpps",
        "siren",
        "siret",
    ),
    "mssc.inbound": (
        "InsProblem",
        "PatientMessage",
        "ReceivedAttachment",
        "parse_patient_message",
    ),
    "mssc.ins": (
        "INS_DEMO_OID",
        "INS_NIA_OID",
        "INS_NIR_OID",
        "INS_TEST_OID",
        "IdentityStatus",
        "Ins",
        "InsKind",
        "PatientIdentity",
        "Sex",
        "ins_key",
        "is_valid_ins",
        "parse_ins",
    ),
    "mssc.mime": (
        "LIMIT_CODES",
        "MimeDefect",
        "MimeLimits",
        "Prescan",
        "ReadMessage",
        "prescan",
        "read_message",
    ),
    "mssc.replies": (
        "Classification",
        "Classifier",
        "Disposition",
        "DispositionType",
        "Evidence",
        "PhraseRule",
        "RecipientOutcome",
        "ReplyKind",
        "StatusRule",
        "classify",
    ),
    "mssc.size": (
        "MAX_MESSAGE_BYTES",
        "PlannedMessage",
        "estimate_size",
        "plan_split",
    ),
    "mssc.templates": (
        "Rendered",
        "TemplateContextError",
        "TemplateSet",
        "compose_template",
    ),
    "mssc.xdm": (
        "XDM_FILENAME",
        "Document",
        "Submission",
        "XdmPackage",
        "build_xdm",
        "read_xdm",
    ),
}

_MODULE_OF: dict[str, str] = {name: module for module, names in _EXPORTS.items() for name in names}


if not TYPE_CHECKING:  # hidden from type checkers, so that ``mssc.typo`` stays an error

    def __getattr__(name: str) -> Any:
        """Import a public name on first use, then keep it in the module (PEP 562)."""
        module = _MODULE_OF.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    """The public names, loaded or not, with the module's own attributes."""
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "CATALOGUE_VERSION",
    "CLOSURE_SUBJECT",
    "DEFAULT_OUTBOUND_POLICY",
    "INBOUND_POLICY",
    "INS_DEMO_OID",
    "INS_NIA_OID",
    "INS_NIR_OID",
    "INS_TEST_OID",
    "LIMIT_CODES",
    "MAX_MESSAGE_BYTES",
    "MSSANTE_DOMAIN",
    "PATIENT_DOMAIN",
    "TEST_RESPONDER",
    "XDM_FILENAME",
    "AccidentalClosure",
    "Attachment",
    "AttachmentPolicy",
    "AttachmentRejected",
    "AttachmentVerdict",
    "BoxKind",
    "CdaHeader",
    "Classification",
    "Classifier",
    "ComposedMessage",
    "Composer",
    "ConformanceReport",
    "Direction",
    "Disposition",
    "DispositionType",
    "Document",
    "Draft",
    "DraftKeywords",
    "Envelope",
    "Evidence",
    "Finding",
    "HeaderInjection",
    "IdNat",
    "IdNatKind",
    "IdentifierScheme",
    "IdentityStatus",
    "Ins",
    "InsKind",
    "InsProblem",
    "InvalidAddress",
    "InvalidArchive",
    "InvalidDocument",
    "InvalidIdentifier",
    "InvalidIns",
    "InvalidMessage",
    "InvalidPolicy",
    "InvalidSender",
    "MessageTooLarge",
    "MimeDefect",
    "MimeLimits",
    "MsscError",
    "Organisation",
    "PatientIdentity",
    "PatientMessage",
    "PatientMismatch",
    "PhraseRule",
    "PlannedMessage",
    "Prescan",
    "Professional",
    "ReadMessage",
    "ReceivedAttachment",
    "RecipientOutcome",
    "Rendered",
    "ReplyKind",
    "Report",
    "Rule",
    "Sender",
    "SequentialMessageIds",
    "Severity",
    "Sex",
    "StatusRule",
    "Submission",
    "TemplateContextError",
    "TemplateSet",
    "UnknownOid",
    "UnqualifiedIdentity",
    "XdmPackage",
    "__version__",
    "adeli",
    "build_report",
    "build_xdm",
    "check",
    "classify",
    "compose_template",
    "estimate_size",
    "finess",
    "ins_key",
    "is_mssante_address",
    "is_patient_address",
    "is_valid_ins",
    "make_message_id",
    "media_type_for_filename",
    "normalize_address",
    "parse_idnat",
    "parse_ins",
    "parse_patient_address",
    "parse_patient_message",
    "patient_address",
    "plan_split",
    "prescan",
    "read_header",
    "read_message",
    "read_xdm",
    "report_html",
    "rpps",
    "safe_filename",
    "siren",
    "siret",
    "sniff_media_type",
    "unique_filenames",
    "wrap_pdf",
]
