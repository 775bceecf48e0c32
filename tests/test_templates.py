"""mssc.templates: every template, its context model, golden files, errors and overrides.

Regenerate the golden files after a deliberate wording change with::

    MSSC_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_templates.py -k golden
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import pytest

from mssc.errors import MsscError
from mssc.headers import contains_fin_word
from mssc.ins import INS_TEST_OID, IdentityStatus, PatientIdentity, Sex, parse_ins
from mssc.templates import (
    DEFAULT_ADMINISTRATIVE_DOCUMENTS,
    PreadmissionContext,
    Rendered,
    TemplateContext,
    TemplateContextError,
    TemplateSet,
    context_model,
    example_context,
    example_data,
    names,
    render,
)
from mssc.templates import _with_identity as with_identity

GOLDEN = Path(__file__).parent / "golden" / "templates"
UPDATE = os.environ.get("MSSC_UPDATE_GOLDEN") == "1"

ISSUE_IDS = [
    "accueil",
    "convocation",
    "rappel",
    "planning",
    "consignes-preparation",
    "demande-documents",
    "demande-informations",
    "preadmission",
    "confirmation",
    "ordonnance",
    "documents-therapeutiques",
    "comptes-rendus",
    "questionnaire-satisfaction",
]

LEFTOVER = re.compile(r"\$|\{%|%\}|\$\{|\{\{|\}\}")


def golden_text(rendered: Rendered) -> str:
    """The golden-file form of a rendered message: its subject line, a blank line, the text."""
    return f"Objet : {rendered.subject}\n\n{rendered.text}"


def required_fields(name: str) -> list[str]:
    return [f for f, info in context_model(name).model_fields.items() if info.is_required()]


# ---------------------------------------------------------------------------------------------
# The catalogue


def test_names_are_the_issue_ids_in_journey_order() -> None:
    assert names() == ISSUE_IDS


@pytest.mark.parametrize("name", ISSUE_IDS)
def test_context_model_is_a_frozen_template_context(name: str) -> None:
    model = context_model(name)
    assert issubclass(model, TemplateContext)
    ctx = example_context(name)
    assert type(ctx) is model
    with pytest.raises(Exception, match="frozen"):
        ctx.establishment = "autre"  # type: ignore[misc]


@pytest.mark.parametrize("name", ISSUE_IDS)
def test_variables_match_the_declared_kinds(name: str) -> None:
    ctx = example_context(name)
    values = ctx.variables()
    assert set(values) == set(type(ctx).VARIABLES)
    for key, kind in type(ctx).VARIABLES.items():
        expected = {"text": str, "flag": bool, "list": tuple}[kind.value]
        assert isinstance(values[key], expected), key


# ---------------------------------------------------------------------------------------------
# Rendering a complete context


@pytest.mark.parametrize("name", ISSUE_IDS)
def test_every_template_renders_from_a_complete_context(name: str) -> None:
    rendered = render(name, example_data(name))
    assert rendered.subject
    assert "\n" not in rendered.subject
    assert rendered.text.endswith("\n")
    assert rendered.text.strip()
    assert rendered.html.startswith("<!DOCTYPE html>")
    for part in (rendered.subject, rendered.text, rendered.html):
        assert LEFTOVER.search(part) is None, LEFTOVER.search(part)


@pytest.mark.parametrize("name", ISSUE_IDS)
def test_model_instance_and_mapping_render_the_same(name: str) -> None:
    assert render(name, example_context(name)) == render(name, example_data(name))


@pytest.mark.parametrize("name", ISSUE_IDS)
def test_golden_file(name: str) -> None:
    path = GOLDEN / f"{name}.txt"
    actual = golden_text(render(name, example_context(name)))
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"missing {path}; run with MSSC_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ISSUE_IDS)
def test_subject_is_short_useful_and_safe(name: str) -> None:
    ctx = example_context(name)
    rendered = render(name, ctx)
    # Short enough to fit on one header line ("Subject: " included).
    assert len("Subject: " + rendered.subject) <= 78
    assert "automatique" not in rendered.subject.casefold()
    assert not contains_fin_word(rendered.subject)
    visit_date = getattr(ctx, "visit_date", None)
    if visit_date is not None:
        assert f"{visit_date.day} " in rendered.subject
        assert str(visit_date.year) in rendered.subject


@pytest.mark.parametrize("name", ISSUE_IDS)
def test_text_never_abbreviates_civility_nor_says_fin(name: str) -> None:
    rendered = render(name, example_context(name))
    assert re.search(r"\b(?:M\.|Mme|Mlle|MM\.)(?=\s)", rendered.text) is None
    assert not contains_fin_word(rendered.text)
    assert "Madame" in rendered.text.splitlines()[0]


@pytest.mark.parametrize("name", ISSUE_IDS)
def test_text_lines_are_wrapped(name: str) -> None:
    rendered = render(name, example_context(name))
    for line in rendered.text.splitlines():
        # A longer line is a single unbreakable word, such as a URL.
        assert len(line) <= 76 or " " not in line.strip(), line


def test_french_dates_do_not_depend_on_the_locale() -> None:
    # The test suite runs under LC_ALL=C: a locale-based strftime would give "Tuesday" here.
    rendered = render("rappel", example_data("rappel"))
    assert "mardi 3 mars 2026 à 14 h 30" in rendered.subject
    assert "Tuesday" not in rendered.text


# ---------------------------------------------------------------------------------------------
# Missing and invalid fields


def _required_cases() -> list[tuple[str, str]]:
    return [(name, field) for name in ISSUE_IDS for field in required_fields(name)]


@pytest.mark.parametrize(("name", "field"), _required_cases())
def test_each_missing_required_field_is_named(name: str, field: str) -> None:
    data = example_data(name)
    del data[field]
    with pytest.raises(TemplateContextError) as info:
        render(name, data)
    assert info.value.code == "missing-field"
    assert info.value.fields == (field,)
    assert info.value.missing == (field,)
    assert field in str(info.value)
    assert isinstance(info.value, MsscError)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("name", ISSUE_IDS)
def test_every_missing_field_is_listed_at_once(name: str) -> None:
    with pytest.raises(TemplateContextError) as info:
        render(name, {})
    assert info.value.code == "missing-field"
    assert set(info.value.fields) >= set(required_fields(name))


@pytest.mark.parametrize(
    ("name", "alternatives"),
    [
        ("consignes-preparation", ("instructions", "items_to_bring", "day_instructions")),
        ("questionnaire-satisfaction", ("survey_url", "attached", "postal_address")),
    ],
)
def test_missing_alternatives_name_every_alternative(
    name: str, alternatives: tuple[str, ...]
) -> None:
    data = example_data(name)
    for key in alternatives:
        data.pop(key, None)
    with pytest.raises(TemplateContextError) as info:
        render(name, data)
    assert info.value.code == "missing-field"
    assert info.value.fields == alternatives


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("visit_date", "3 mars"),
        ("visit_time", "25:00"),
        ("patient_civility", "Mme"),
        ("patient_civility", "M."),
        ("establishment", "Hôpital\nBcc: x@y.fr"),
        ("establishment", ""),
        ("establishment", "Clinique \u202eevil"),
        ("establishment_phone", "appelez-nous"),
        ("portal_url", "javascript:alert(1)"),
        ("administrative_documents", "une seule chaîne"),
        ("lab_reports_max_age_years", 0),
        ("visit_kind", "visite"),
        ("unknown_field", "x"),
    ],
)
def test_invalid_fields_are_refused(field: str, value: Any) -> None:
    data = example_data("preadmission")
    data[field] = value
    with pytest.raises(TemplateContextError) as info:
        render("preadmission", data)
    assert info.value.code == "invalid-field"
    assert info.value.fields == (field,)


def test_missing_and_invalid_together_list_both() -> None:
    data = example_data("convocation")
    del data["visit_date"]
    data["visit_time"] = "midi"
    with pytest.raises(TemplateContextError) as info:
        render("convocation", data)
    assert info.value.code == "missing-field"
    assert info.value.missing == ("visit_date",)
    assert info.value.invalid == ("visit_time",)
    assert info.value.to_dict()["fields"] == ["visit_date", "visit_time"]


@pytest.mark.parametrize("value", ["Fin de traitement", "FIN", "bilan de fin"])
def test_a_value_that_puts_fin_in_the_subject_is_refused(value: str) -> None:
    data = example_data("convocation")
    data["service"] = value  # the convocation subject shows the service
    with pytest.raises(TemplateContextError) as info:
        render("convocation", data)
    assert info.value.code == "invalid-field"
    assert info.value.fields == ("service",)


def test_fin_inside_a_word_is_fine() -> None:
    data = example_data("convocation")
    data["service"] = "Afin-Finistère"
    assert "Afin-Finistère" in render("convocation", data).subject


@pytest.mark.parametrize("name", ["preadmision", "Preadmission", "", "../x"])
def test_unknown_template(name: str) -> None:
    for call in (lambda: render(name, {}), lambda: context_model(name)):
        with pytest.raises(TemplateContextError) as info:
            call()
        assert info.value.code == "unknown-template"
    if name == "preadmision":
        assert "preadmission" in info.value.hint


def test_wrong_context_type_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        render("convocation", example_context("rappel"))
    with pytest.raises(TypeError):
        render("convocation", ["not", "a", "mapping"])  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Wording rules


@pytest.mark.parametrize(
    ("civility", "first", "usage", "birth", "expected"),
    [
        ("Madame", "Dominique", "MARTIN", "ADRTROIS", "Bonjour Madame MARTIN (née ADRTROIS),"),
        ("Monsieur", "Paul", "DURAND", "DURAND", "Bonjour Monsieur DURAND,"),
        ("Monsieur", None, "DUPONT", "LEROY", "Bonjour Monsieur DUPONT (né LEROY),"),
        (None, "Camille", "PETIT", None, "Bonjour Camille PETIT,"),
        (None, None, "PETIT", "GRAND", "Bonjour PETIT (nom de naissance : GRAND),"),
        (None, None, None, "GRAND", "Bonjour GRAND,"),
        ("Madame", "Léa", None, None, "Bonjour,"),
    ],
)
def test_salutation(
    civility: str | None, first: str | None, usage: str | None, birth: str | None, expected: str
) -> None:
    data = example_data("accueil")
    data.update(
        patient_civility=civility,
        patient_first_name=first,
        patient_usage_name=usage,
        patient_birth_name=birth,
    )
    assert render("accueil", data).text.splitlines()[0] == expected


@pytest.mark.parametrize(
    ("days", "phrase"),
    [
        (0, "aujourd'hui"),
        (1, "demain"),
        (2, "après-demain"),
        (3, "dans 3 jours"),
        (7, "dans une semaine"),
        (14, "dans 2 semaines"),
        (30, "dans 30 jours"),
    ],
)
def test_reminder_says_the_delay(days: int, phrase: str) -> None:
    data = {**example_data("rappel"), "days_before": days}
    rendered = render("rappel", data)
    assert f"rendez-vous {phrase}," in rendered.subject
    assert f"rendez-vous {phrase}, le mardi 3 mars 2026" in " ".join(rendered.text.split())


@pytest.mark.parametrize(
    ("title", "name", "shown"),
    [
        ("Docteur", "DURAND", "avec le Docteur DURAND"),
        ("Professeur", "LEFÈVRE", "avec le Professeur LEFÈVRE"),
        ("Madame", "ROUX", "avec Madame ROUX"),
        (None, "ROUX", "avec ROUX"),
    ],
)
def test_professional_with_civility(title: str | None, name: str, shown: str) -> None:
    data = {**example_data("convocation"), "professional_title": title, "professional_name": name}
    assert shown in " ".join(render("convocation", data).text.split())


def test_preadmission_default_documents_and_help_line() -> None:
    ctx = PreadmissionContext.model_validate(
        {
            "establishment": "Clinique du Parc",
            "service": "Orthopédie",
            "establishment_address": "3 rue Haute, 69000 Lyon",
            "visit_date": dt.date(2026, 6, 1),
        }
    )
    assert ctx.administrative_documents == DEFAULT_ADMINISTRATIVE_DOCUMENTS
    text = " ".join(render("preadmission", ctx).text.split())
    for document in DEFAULT_ADMINISTRATIVE_DOCUMENTS:
        assert f"- {document}" in text
    assert "monespacesante.fr" in text
    assert "3422" in text
    assert "lundi 1er juin 2026" in text
    assert "des 2 dernières années" in text
    # Optional blocks are absent by default.
    assert "portail patient" not in text
    assert "confirmation" not in text
    assert "merci d'apporter" not in text


def _flat(name: str, **changes: Any) -> str:
    return " ".join(render(name, {**example_data(name), **changes}).text.split())


@pytest.mark.parametrize(
    ("changes", "present", "absent"),
    [
        ({"portal_name": None}, [], ["portail patient"]),
        ({"confirmation": False}, [], ["message de confirmation"]),
        ({"items_to_bring": (), "day_instructions": ()}, [], ["merci d'apporter", "présenter :"]),
        ({"administrative_documents": ()}, [], ["pièces administratives"]),
        ({"administrative_documents": ("un RIB",)}, ["- un RIB"], ["carte Vitale"]),
        ({"lab_reports_max_age_years": 5}, ["des 5 dernières années"], ["des 2 dernières"]),
        ({"lab_reports_max_age_years": 1}, ["de l'année écoulée"], ["dernières années"]),
        (
            {"relevant_documents_example": "vos dernières radiographies du genou"},
            ["par exemple vos dernières radiographies du genou"],
            ["biologie"],
        ),
        (
            {"lab_reports_max_age_years": None},
            ["les documents utiles pour cette venue."],
            ["par exemple"],
        ),
        ({"announce_survey": False}, ["documents de synthèse"], ["questionnaire"]),
        ({"announce_follow_up": False}, ["questionnaire de satisfaction"], ["synthèse (lettre"]),
        ({"announce_follow_up": False, "announce_survey": False}, [], ["Après votre"]),
        ({"visit_time": None}, ["mardi 3 mars 2026 dans le service"], ["7 h 30"]),
    ],
)
def test_preadmission_optional_blocks(
    changes: dict[str, Any], present: list[str], absent: list[str]
) -> None:
    text = _flat("preadmission", **changes)
    for snippet in present:
        assert snippet in text
    for snippet in absent:
        assert snippet not in text


@pytest.mark.parametrize(
    ("changes", "present"),
    [
        ({"companion_required": True}, "vous ne pourrez pas rentrer seule"),
        ({"companion_required": True, "patient_civility": "Monsieur"}, "rentrer seul chez"),
        ({"companion_required": True, "patient_civility": None}, "rentrer seul(e) chez"),
        ({"companion_required": False}, "sans accompagnant"),
    ],
)
def test_accueil_companion(changes: dict[str, Any], present: str) -> None:
    assert present in _flat("accueil", **changes)


def test_accueil_without_companion_information() -> None:
    text = _flat("accueil", companion_required=None)
    assert "accompagn" not in text


def test_planning_lists_visits_in_date_order() -> None:
    data = example_data("planning")
    data["visits"] = tuple(reversed(data["visits"]))
    text = render("planning", data).text
    items = [line for line in text.splitlines() if line.startswith("  - ") and "2026" in line]
    assert [i.split(" : ")[0] for i in items] == [
        "  - lundi 9 mars 2026 à 9 h 00",
        "  - mercredi 11 mars 2026 à 9 h 00",
        "  - lundi 16 mars 2026 à 10 h 30",
        "  - mercredi 1er avril 2026",
    ]


def test_planning_with_one_visit() -> None:
    data = {**example_data("planning"), "visits": ({"date": "2026-05-04"},)}
    rendered = render("planning", data)
    assert rendered.subject == "Votre planning : 4 mai 2026"
    assert "le rendez-vous prévu pour vous" in " ".join(rendered.text.split())


@pytest.mark.parametrize(
    ("timing", "present"),
    [("before-visit", "à utiliser avant votre"), ("after-visit", "Suite à votre")],
)
def test_ordonnance_before_or_after(timing: str, present: str) -> None:
    assert present in _flat("ordonnance", timing=timing)


@pytest.mark.parametrize(
    ("changes", "present", "absent"),
    [
        ({}, ["Il nous manque encore", "ce qui manque", "ajouté à votre dossier"], ["complet"]),
        ({"missing_documents": ()}, ["Votre dossier est complet"], ["Il nous manque"]),
        ({"documents": ()}, ["Il nous manque encore"], ["ajouté à votre dossier"]),
        ({"visit_date": None}, ["bien été traités"], ["Nous vous attendons", "(venue du"]),
        ({"received_on": None, "purpose": None}, ["adressés sont bien arrivés"], [" le mardi 24"]),
    ],
)
def test_confirmation_says_what_was_filed_and_what_is_missing(
    changes: dict[str, Any], present: list[str], absent: list[str]
) -> None:
    rendered = render("confirmation", {**example_data("confirmation"), **changes})
    whole = " ".join(f"{rendered.subject} {rendered.text}".split())
    for text in present:
        assert text in whole
    for text in absent:
        assert text not in whole
    for item in (*rendered_items(changes, "documents"), *rendered_items(changes, "missing")):
        assert item in whole


def rendered_items(changes: dict[str, Any], which: str) -> tuple[str, ...]:
    field = "documents" if which == "documents" else "missing_documents"
    items: tuple[str, ...] = changes.get(field, example_data("confirmation")[field])
    return items


def test_preadmission_promises_the_confirmation_template_delivers() -> None:
    promise = render("preadmission", example_context("preadmission")).text
    assert "confirmation" in promise
    confirmation = render("confirmation", {"establishment": "CH Exemple"})
    assert confirmation.subject == "Vos documents ont bien été traités"
    assert "Votre dossier est complet" in " ".join(confirmation.text.split())


def test_questionnaire_reminder() -> None:
    data = {**example_data("questionnaire-satisfaction"), "reminder": True}
    rendered = render("questionnaire-satisfaction", data)
    assert rendered.subject.startswith("Rappel : votre avis")
    assert "Il y a quelques jours" in rendered.text


# ---------------------------------------------------------------------------------------------
# Overrides


OVERRIDE = """Objet : Votre rendez-vous du ${visit_date_short}

Bonjour{% if salutation %} ${salutation}{% endif %},

Rendez-vous le ${visit_when}.

{% include signature %}
"""


def test_override_replaces_one_template_only() -> None:
    templates = TemplateSet.builtin().with_overrides({"convocation": OVERRIDE})
    rendered = templates.render("convocation", example_data("convocation"))
    assert rendered.subject == "Votre rendez-vous du 3 mars 2026"
    assert "Rendez-vous le mardi 3 mars 2026 à 14 h 30." in rendered.text
    assert templates.is_overridden("convocation")
    assert not templates.is_overridden("rappel")
    assert templates.render("rappel", example_data("rappel")) == render(
        "rappel", example_data("rappel")
    )
    # The built-in set is unchanged.
    assert render("convocation", example_data("convocation")).subject.startswith("Rendez-vous le")


def test_override_is_validated_against_the_same_model() -> None:
    templates = TemplateSet.builtin().with_overrides({"convocation": OVERRIDE})
    data = example_data("convocation")
    del data["visit_time"]
    with pytest.raises(TemplateContextError) as info:
        templates.render("convocation", data)
    assert info.value.fields == ("visit_time",)


@pytest.mark.parametrize(
    ("source", "fields"),
    [
        ("Objet : x\n\nBonjour ${nom_patient}\n", ("nom_patient",)),
        ("Objet : ${sujet}\n\nBonjour ${a} ${b}\n", ("a", "b", "sujet")),
        ("Objet : x\n\n{% if portail %}oui{% endif %}\n", ("portail",)),
        ("Objet : x\n\n{% for d in pieces %}- ${d}\n{% endfor %}\n", ("pieces",)),
        ("Objet : x\n\n${documents_to_bring}\n", ("documents_to_bring",)),
        ("Objet : x\n\n{% for d in salutation %}- ${d}\n{% endfor %}\n", ("salutation",)),
    ],
)
def test_override_with_unknown_or_misused_placeholder(source: str, fields: tuple[str, ...]) -> None:
    with pytest.raises(TemplateContextError) as info:
        TemplateSet.builtin().with_overrides({"accueil": source})
    assert info.value.code == "bad-override"
    assert info.value.fields == fields
    assert info.value.template == "accueil"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("Bonjour\n", "Objet"),
        ("Objet : x\n\n", "empty"),
        ("Objet : x\n\nPrix : 5 $\n", "stray"),
        ("Objet : x\n\nBonjour ${salutation\n", "stray"),
        ("Objet : x\n\n${Salutation}\n", "placeholder"),
        ("Objet : x\n\n{% if e %}oui\n", "never closed"),
        ("Objet : x\n\noui{% endif %}\n", "unexpected"),
        ("Objet : x\n\n{% else %}\n", "without"),
        ("Objet : x\n\n{% while e %}{% endwhile %}\n", "unknown tag"),
        ("Objet : x\n\n{% include pied %}\n", "unknown part"),
        ("Objet : Fin de la prise en charge\n\nBonjour\n", "FIN"),
    ],
)
def test_override_with_bad_syntax(source: str, message: str) -> None:
    with pytest.raises(TemplateContextError) as info:
        TemplateSet.builtin().with_overrides({"accueil": source})
    assert info.value.code == "bad-override"
    assert message in info.value.message


def test_override_of_an_unknown_template() -> None:
    with pytest.raises(TemplateContextError) as info:
        TemplateSet.builtin().with_overrides({"convoc": OVERRIDE})
    assert info.value.code == "unknown-template"


def test_overrides_from_a_directory(tmp_path: Path) -> None:
    (tmp_path / "convocation.txt").write_text(OVERRIDE, encoding="utf-8")
    (tmp_path / "_signature.part").write_text("| L'équipe ${establishment}\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("ignored", encoding="utf-8")
    templates = TemplateSet.from_directory(tmp_path)
    for name in ("convocation", "rappel"):
        text = templates.render(name, example_data(name)).text
        assert text.rstrip().endswith("L'équipe Centre hospitalier des Trois Rivières")
        assert "Bien cordialement" not in text
    assert templates.is_overridden("convocation")
    assert not templates.is_overridden("rappel")


def test_directory_with_an_unknown_template_file(tmp_path: Path) -> None:
    (tmp_path / "convocations.txt").write_text(OVERRIDE, encoding="utf-8")
    with pytest.raises(TemplateContextError) as info:
        TemplateSet.from_directory(tmp_path)
    assert info.value.code == "unknown-template"


def test_a_broken_part_is_refused_at_load_time(tmp_path: Path) -> None:
    (tmp_path / "_helpline.part").write_text("Appelez le ${numero}\n", encoding="utf-8")
    with pytest.raises(TemplateContextError) as info:
        TemplateSet.from_directory(tmp_path)
    assert info.value.code == "bad-override"
    assert info.value.fields == ("numero",)


# ---------------------------------------------------------------------------------------------
# Identity


def _identity(sex: Sex, usage: str | None = "MARTIN") -> PatientIdentity:
    return PatientIdentity(
        ins=parse_ins("297022A02077878", oid=INS_TEST_OID),
        status=IdentityStatus.QUAL,
        birth_name="ADRTROIS",
        first_names="DOMINIQUE CLAIRE",
        birth_date=dt.date(1997, 2, 26),
        sex=sex,
        usage_name=usage,
    )


NO_PATIENT = {
    "patient_civility": None,
    "patient_first_name": None,
    "patient_usage_name": None,
    "patient_birth_name": None,
}


@pytest.mark.parametrize(
    ("sex", "usage", "first_line"),
    [
        (Sex.FEMALE, "MARTIN", "Bonjour Madame MARTIN (née ADRTROIS),"),
        (Sex.MALE, None, "Bonjour Monsieur ADRTROIS,"),
        (Sex.UNKNOWN, "MARTIN", "Bonjour Dominique MARTIN (nom de naissance : ADRTROIS),"),
    ],
)
def test_identity_fills_the_salutation(sex: Sex, usage: str | None, first_line: str) -> None:
    base = {**example_data("convocation"), **NO_PATIENT}
    for context in (base, context_model("convocation").model_validate(base)):
        filled = with_identity("convocation", context, _identity(sex, usage))
        assert render("convocation", filled).text.splitlines()[0] == first_line


def test_identity_never_overrides_what_the_caller_gave() -> None:
    data = {**example_data("convocation"), **NO_PATIENT, "patient_usage_name": "DUPUIS"}
    filled = with_identity("convocation", data, _identity(Sex.FEMALE))
    assert render("convocation", filled).text.splitlines()[0] == (
        "Bonjour Madame DUPUIS (née ADRTROIS),"
    )
    # A None default on the model that the caller set on purpose is kept.
    pre = {**example_data("preadmission"), "lab_reports_max_age_years": None}
    ctx = context_model("preadmission").model_validate(pre)
    refilled = with_identity("preadmission", ctx, _identity(Sex.FEMALE))
    assert isinstance(refilled, PreadmissionContext)
    assert refilled.lab_reports_max_age_years is None


# -- our own words ---------------------------------------------------------------------------

GUIDE = Path(__file__).resolve().parents[2] / "shared" / "source-docs" / "000_87d9ba8b7edd9107.txt"
DATA = Path(__file__).resolve().parents[1] / "src" / "mssc" / "templates" / "data"
COPY_RUN = 8  # this many identical words in a row is a copied sentence


def _words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.replace("\u2019", "'").replace("-", " ").lower())


def _shared_runs(text: str, guide_runs: set[tuple[str, ...]]) -> list[str]:
    w = _words(text)
    return [
        " ".join(w[i : i + COPY_RUN])
        for i in range(len(w) - COPY_RUN + 1)
        if tuple(w[i : i + COPY_RUN]) in guide_runs
    ]


@pytest.fixture(scope="module")
def guide_runs() -> set[tuple[str, ...]]:
    if not GUIDE.exists():
        pytest.skip("the MSS-C guide is not available here")
    w = _words(GUIDE.read_text(encoding="utf-8"))
    return {tuple(w[i : i + COPY_RUN]) for i in range(len(w) - COPY_RUN + 1)}


@pytest.mark.parametrize("name", ISSUE_IDS)
def test_no_sentence_is_copied_from_the_guide(name: str, guide_runs: set[tuple[str, ...]]) -> None:
    """Write in our own words: no run of 8 words of the MSS-C guide, in any rendering."""
    rendered = render(name, example_context(name))
    sources = [rendered.subject, rendered.text, rendered.html or ""]
    sources += [p.read_text(encoding="utf-8") for p in sorted(DATA.glob(f"{name}.*"))]
    for text in sources:
        assert _shared_runs(text, guide_runs) == []


@pytest.mark.parametrize("years", [1, 2, 5])
def test_the_lab_reports_example_is_in_our_own_words(
    years: int, guide_runs: set[tuple[str, ...]]
) -> None:
    data = {**example_data("preadmission"), "lab_reports_max_age_years": years}
    text = render("preadmission", data).text
    assert _shared_runs(text, guide_runs) == []
    flat = re.sub(r"\s+", " ", text)
    assert (f"des {years} dernières années" if years > 1 else "de l'année écoulée") in flat
