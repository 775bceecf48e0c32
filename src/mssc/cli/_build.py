"""``mssc build``: compose a message from a JSON spec, validated by a pydantic schema."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mssc.addresses import patient_address
from mssc.attachments import Attachment
from mssc.cli._common import add_subcommand, format_size, print_json, safe
from mssc.compose import ComposedMessage, Composer, Sender
from mssc.errors import MsscError


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PersonalSenderSpec(_Spec):
    """A personal box: the label is ``<Titre>_<Prénom>_<NOM>_<Entité>`` (Ref#2 ECO.2.2.7)."""

    kind: Literal["personal"]
    address: str = Field(description="the MSSanté address of the box")
    first_name: str
    last_name: str
    title: str | None = Field(None, description="e.g. Dr, Pr")
    entity: str | None = Field(None, description="the functional entity, e.g. Cardiologie")
    return_address: str | None = Field(None, description="an MSSanté box for Reply-To")


class OrganisationalSenderSpec(_Spec):
    """An organisational box: the label is the entity."""

    kind: Literal["organisational"]
    address: str
    entity: str = Field(description="the label shown to the patient, e.g. CHU X – Admissions")
    return_address: str | None = None


class ApplicativeSenderSpec(_Spec):
    """An applicative box (automatic sending): a return address is required."""

    kind: Literal["applicative"]
    address: str
    entity: str
    return_address: str = Field(description="the organisational box that reads the replies")


SenderSpec = Annotated[
    PersonalSenderSpec | OrganisationalSenderSpec | ApplicativeSenderSpec,
    Field(discriminator="kind"),
]


class AttachmentSpec(_Spec):
    """A file to attach, read from ``path`` (relative to the spec file's directory)."""

    path: str
    filename: str | None = Field(None, description="the name to send; default: the file's name")
    media_type: str | None = Field(None, description="the declared type; default: from the name")


class BuildSpec(_Spec):
    """What ``mssc build`` composes. Relative paths are read from the spec file's directory.

    One of four forms:

    - a message: ``patient`` (or ``reply_to_file``), ``subject`` and ``text``;
    - a template: ``patient``, ``template`` and ``context`` (see ``mssc templates``);
    - a closure (``closure: true``): ``patient`` and an optional ``text``; subject ``[FIN]``;
    - a connectivity test (``connectivity_test: true``) to the MES TEST responder.
    """

    product_reference: str = Field(description="your Ségur product reference (X-MSS-NIL)")
    sender: SenderSpec
    patient: str | None = Field(
        None, description="the patient's MSS-C address or matricule INS (qualified identity)"
    )
    subject: str | None = None
    text: str | None = Field(None, description="the text/plain body (UTF-8)")
    html: str | None = Field(None, description="an HTML alternative")
    attachments: list[AttachmentSpec] = Field(default_factory=list)
    read_receipt: bool = Field(False, description="add Disposition-Notification-To")
    close_conversation: bool = Field(False, description="add X-MSS-MES: FIN to this message")
    closure: bool = Field(False, description="send the closure message ([FIN], X-MSS-MES: FIN)")
    connectivity_test: bool = Field(False, description="send the TEST message to MES")
    reply_to_file: str | None = Field(
        None, description="the patient's message (.eml) this one answers; gives the patient"
    )
    template: str | None = Field(None, description="a template id (mssc templates)")
    context: dict[str, Any] | None = Field(None, description="the template's context")
    allow_fin_word: bool = False
    extra_headers: dict[str, str] = Field(default_factory=dict)
    date: datetime | None = Field(None, description="the Date (ISO 8601 with an offset)")
    message_id: str | None = Field(None, description="the Message-ID, <left@sender-domain>")

    @model_validator(mode="after")
    def _one_form(self) -> BuildSpec:
        modes = [
            name
            for name, on in (
                ("closure", self.closure),
                ("connectivity_test", self.connectivity_test),
                ("template", self.template is not None),
            )
            if on
        ]
        if len(modes) > 1:
            raise ValueError(f"choose one of {' / '.join(modes)}")
        if self.context is not None and self.template is None:
            raise ValueError("context is given without template")
        if self.template is not None and (self.subject or self.text or self.html):
            raise ValueError("a template gives the subject, text and html: leave them out")
        if not self.connectivity_test and self.patient is None and self.reply_to_file is None:
            raise ValueError("patient is required (or reply_to_file)")
        answers_parent = self.reply_to_file is not None and self.patient is None
        if not modes and self.subject is None and not answers_parent:
            raise ValueError("subject is required (it may be left out to answer reply_to_file)")
        if not modes and self.text is None:
            raise ValueError("text is required")
        if self.date is not None and self.date.utcoffset() is None:
            raise ValueError("date needs a time-zone offset, e.g. 2026-03-02T09:30:00+01:00")
        return self


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``build`` subcommand."""
    p = add_subcommand(
        sub,
        "build",
        help="compose a message from a JSON spec (mssc build --schema prints the spec's schema)",
        example="mssc build convocation.json -o convocation.eml",
    )
    # Two forms: SPEC.json with the required -o, or --schema alone (hence the written usage).
    p.usage = "%(prog)s SPEC.json -o OUT.eml\n       %(prog)s --schema"
    p.add_argument("spec", nargs="?", metavar="SPEC.json", help="the spec; '-' reads stdin")
    p.add_argument(
        "-o", "--output", metavar="OUT.eml", help="where to write (required); '-' for stdout"
    )
    p.add_argument("--schema", action="store_true", help="print the JSON schema of the spec")
    p.set_defaults(handler=_run, parser=p)


def _sender(spec: BuildSpec) -> Sender:
    s = spec.sender
    if isinstance(s, PersonalSenderSpec):
        return Sender.personal(
            s.address,
            first_name=s.first_name,
            last_name=s.last_name,
            title=s.title,
            entity=s.entity,
            return_address=s.return_address,
        )
    if isinstance(s, OrganisationalSenderSpec):
        return Sender.organisational(s.address, entity=s.entity, return_address=s.return_address)
    return Sender.applicative(s.address, entity=s.entity, return_address=s.return_address)


def _read(base: Path, name: str) -> bytes:
    return (base / name).read_bytes()


def build(spec: BuildSpec, base: Path) -> ComposedMessage:
    """Compose the message a spec describes; relative paths are read from ``base``.

    Raises:
        MsscError: when the composer refuses (attachment, FIN word, address, size …).
        OSError: when a file named in the spec cannot be read.
    """
    date = spec.date
    composer = Composer(spec.product_reference, clock=(lambda: date) if date else None)
    sender = _sender(spec)
    if spec.connectivity_test:
        return composer.connectivity_test(sender=sender)
    parent = _read(base, spec.reply_to_file) if spec.reply_to_file else None
    if spec.closure:
        return composer.closure(
            sender=sender, to=_patient(spec), text=spec.text, in_reply_to=parent
        )
    options: dict[str, Any] = {
        "attachments": [
            Attachment(
                a.filename or Path(a.path).name, _read(base, a.path), media_type=a.media_type
            )
            for a in spec.attachments
        ],
        "read_receipt": spec.read_receipt,
        "close_conversation": spec.close_conversation,
        "extra_headers": spec.extra_headers or None,
        "message_id": spec.message_id,
    }
    if spec.template is not None:
        return composer.compose_template(
            spec.template,
            spec.context or {},
            sender=sender,
            to=_patient(spec),
            in_reply_to=parent,
            allow_fin_word=spec.allow_fin_word,
            **options,
        )
    text = _required(spec.text, "text")
    options.update(html=spec.html, allow_fin_word=spec.allow_fin_word)
    if parent is not None and spec.patient is None:
        return composer.reply(parent, sender=sender, text=text, subject=spec.subject, **options)
    return composer.compose(
        sender=sender,
        to=_patient(spec),
        subject=_required(spec.subject, "subject"),
        text=text,
        in_reply_to=parent,
        **options,
    )


def _required(value: str | None, name: str) -> str:
    """The value of a field that the spec's validator already required."""
    if value is None:  # pragma: no cover - BuildSpec._one_form rules this out
        raise ValueError(f"{name} is required")
    return value


def _patient(spec: BuildSpec) -> str:
    """The patient's MSS-C address (``patient`` may be a matricule INS or an address)."""
    return patient_address(_required(spec.patient, "patient"))


def _run(args: argparse.Namespace) -> int:
    if args.schema:
        print_json(BuildSpec.model_json_schema())
        return 0
    if args.spec is None or args.output is None:
        args.parser.error("give SPEC.json and -o OUT.eml (or --schema)")
    try:
        if args.spec == "-":
            text, base = sys.stdin.buffer.read().decode("utf-8"), Path.cwd()
        else:
            text, base = Path(args.spec).read_text(encoding="utf-8"), Path(args.spec).parent
        spec = BuildSpec.model_validate_json(text)
    except OSError as exc:
        print(f"mssc build: cannot read {args.spec}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except UnicodeDecodeError as exc:
        print(f"mssc build: invalid spec {args.spec}: not UTF-8 ({exc.reason})", file=sys.stderr)
        return 2
    except ValidationError as exc:
        print(f"mssc build: invalid spec {args.spec}:", file=sys.stderr)
        for err in exc.errors():
            where = ".".join(str(x) for x in err["loc"]) or "(spec)"
            print(f"  {where}: {err['msg']}", file=sys.stderr)
        return 2
    try:
        sent = build(spec, base)
    except OSError as exc:
        print(f"mssc build: cannot read {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except MsscError as exc:
        print(safe(f"mssc build: refused: {exc}"), file=sys.stderr)  # may quote reply_to_file
        return 1
    if args.output == "-":
        sys.stdout.buffer.write(sent.to_bytes())
        sys.stdout.flush()
    else:
        try:
            Path(args.output).write_bytes(sent.to_bytes())
        except OSError as exc:
            print(f"mssc build: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        print(f"wrote {args.output}: {format_size(sent.size)}, Message-ID {sent.message_id}")
        print(f"envelope: MAIL FROM {sent.envelope.mail_from} RCPT TO {sent.envelope.rcpt_to}")
    return 0
