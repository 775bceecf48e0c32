"""A complete example context for every template (docs, golden files, ``mssc templates``).

The establishment, people and places are invented.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from mssc.templates._contexts import TemplateContext

__all__ = ["example_context", "example_data"]

_PATIENT: Final[dict[str, Any]] = {
    "patient_civility": "Madame",
    "patient_first_name": "Dominique",
    "patient_usage_name": "MARTIN",
    "patient_birth_name": "ADRTROIS",
}
_PLACE: Final[dict[str, Any]] = {
    "establishment": "Centre hospitalier des Trois Rivières",
    "service": "Cardiologie",
    "establishment_address": "12 avenue des Tilleuls, 26000 Valence",
    "establishment_phone": "04 75 00 12 34",
    "establishment_website": "https://www.ch-trois-rivieres.example/",
    "signatory": "Le secrétariat de cardiologie",
}
_VISIT: Final[dict[str, Any]] = {
    "visit_date": dt.date(2026, 3, 3),
    "visit_time": dt.time(14, 30),
    "visit_kind": "consultation",
    "reason": "un bilan après votre traitement de l'hypertension",
    "professional_name": "DURAND",
    "professional_title": "Docteur",
}

_EXAMPLES: Final[dict[str, dict[str, Any]]] = {
    "accueil": {
        **_VISIT,
        "visit_kind": "ambulatoire",
        "reason": "la pose d'un holter tensionnel",
        "documents_to_bring": (
            "votre carte Vitale",
            "la liste de vos médicaments ou vos dernières ordonnances",
        ),
        "practical_information": (
            "Le parking P2, face à l'entrée principale, est gratuit pendant 3 heures.",
            "L'accueil du service se trouve au 1er étage du bâtiment A.",
        ),
        "companion_required": True,
    },
    "convocation": {
        **_VISIT,
        "arrive_minutes_early": 15,
        "meeting_point": "Bâtiment A, 1er étage, accueil de cardiologie",
    },
    "rappel": {
        **_VISIT,
        "days_before": 1,
        "arrive_minutes_early": 15,
        "meeting_point": "Bâtiment A, 1er étage, accueil de cardiologie",
    },
    "planning": {
        "service": "Médecine physique et réadaptation",
        "signatory": "L'équipe de rééducation",
        "programme": "votre programme de rééducation cardiaque",
        "visits": (
            {"date": dt.date(2026, 3, 9), "time": dt.time(9, 0), "label": "bilan d'entrée"},
            {"date": dt.date(2026, 3, 11), "time": dt.time(9, 0), "label": "séance collective"},
            {"date": dt.date(2026, 3, 16), "time": dt.time(10, 30), "label": "séance collective"},
            {"date": dt.date(2026, 4, 1), "label": "bilan de sortie (horaire à confirmer)"},
        ),
        "notes": (
            "Prévoyez une tenue de sport et une paire de baskets propres.",
            "Chaque séance dure environ deux heures.",
        ),
    },
    "consignes-preparation": {
        **_VISIT,
        "visit_kind": "examen",
        "reason": "une échographie cardiaque par voie œsophagienne",
        "instructions": (
            "Signalez-nous tout traitement anticoagulant au moins une semaine avant l'examen.",
        ),
        "items_to_bring": (
            "vos dernières ordonnances",
            "les résultats de vos examens cardiaques récents",
        ),
        "day_instructions": (
            "à jeun depuis au moins 6 heures (ni boisson, ni repas, ni tabac)",
            "sans bijou ni piercing",
            "avec un proche qui pourra vous raccompagner, car l'examen se fait sous sédation",
        ),
    },
    "demande-documents": {
        **_VISIT,
        "service": "Oncologie",
        "signatory": "L'équipe d'hôpital de jour d'oncologie",
        "visit_kind": "seance",
        "reason": "votre cure de chimiothérapie",
        "professional_name": "LEFÈVRE",
        "professional_title": "Professeur",
        "documents": (
            "les résultats de votre prise de sang, réalisée au plus tôt 48 heures avant la séance",
            "votre dernière ordonnance de traitement à domicile",
        ),
        "purpose": "commander à temps les traitements de votre cure",
        "deadline": dt.date(2026, 3, 2),
    },
    "demande-informations": {
        **_VISIT,
        "visit_kind": "consultation",
        "questions": (
            "la liste des médicaments que vous prenez, avec leur dose",
            "vos éventuelles allergies (médicaments, iode, latex…)",
            "les opérations ou hospitalisations que vous avez eues ces dix dernières années",
        ),
        "deadline": dt.date(2026, 2, 27),
    },
    "preadmission": {
        **_VISIT,
        "visit_kind": "hospitalisation",
        "visit_time": dt.time(7, 30),
        "reason": "une coronarographie",
        "signatory": "Le bureau des admissions",
        "lab_reports_max_age_years": 2,
        "portal_name": "Mon Hôpital en ligne",
        "portal_url": "https://patient.ch-trois-rivieres.example/",
        "portal_features": "suivre vos rendez-vous et régler vos frais d'hospitalisation",
        "items_to_bring": (
            "votre appareil de mesure de la glycémie, si vous êtes diabétique",
            "vos urines de 24 heures, recueillies de 19 h la veille à 7 h le jour même",
        ),
        "day_instructions": (
            "à jeun depuis minuit",
            "sans bijou ni vernis à ongles, pour les examens d'imagerie",
        ),
        "confirmation": True,
    },
    "confirmation": {
        **_VISIT,
        "visit_kind": "hospitalisation",
        "visit_time": dt.time(7, 30),
        "signatory": "Le bureau des admissions",
        "received_on": dt.date(2026, 2, 24),
        "purpose": "votre préadmission",
        "documents": (
            "la photo de votre carte d'identité",
            "votre attestation de droits à l'Assurance Maladie",
            "vos résultats de biologie de janvier 2026",
        ),
        "missing_documents": ("votre carte de mutuelle ou de complémentaire santé",),
    },
    "ordonnance": {
        **_VISIT,
        "visit_kind": "hospitalisation",
        "visit_date": dt.date(2026, 2, 20),
        "visit_time": None,
        "timing": "after-visit",
        "purpose": "la modification de votre traitement de l'hypertension",
        "instructions": (
            "Commencez le nouveau traitement dès le lendemain de votre retour à domicile.",
            "Arrêtez l'ancien comprimé du matin, remplacé par celui de cette ordonnance.",
        ),
    },
    "documents-therapeutiques": {
        **_VISIT,
        "visit_kind": "hospitalisation",
        "visit_date": dt.date(2026, 2, 20),
        "visit_time": None,
        "documents": (
            "la fiche de conseils après une pose de stent coronaire",
            "le programme d'activité physique conseillé pour les six prochaines semaines",
        ),
        "recommendations": (
            "Ne portez pas de charge lourde pendant une semaine.",
            "Prenez votre traitement antiagrégant tous les jours, sans interruption.",
        ),
    },
    "comptes-rendus": {
        **_VISIT,
        "visit_kind": "hospitalisation",
        "visit_date": dt.date(2026, 2, 20),
        "visit_time": None,
        "reports": (
            "la lettre de liaison de sortie",
            "le compte rendu de votre coronarographie",
            "vos résultats d'analyses de biologie",
        ),
        "follow_up": "une consultation de contrôle vous sera proposée dans six semaines",
    },
    "questionnaire-satisfaction": {
        **_VISIT,
        "visit_kind": "hospitalisation",
        "visit_date": dt.date(2026, 2, 20),
        "visit_time": None,
        "reminder": False,
        "survey_url": "https://enquete.ch-trois-rivieres.example/avis?s=card",
        "attached": True,
        "postal_address": "Service qualité, 12 avenue des Tilleuls, 26000 Valence",
        "deadline": dt.date(2026, 3, 20),
    },
}


def example_data(name: str) -> dict[str, Any]:
    """Return the example context of template ``name`` as plain data (a fresh dict)."""
    from mssc.templates._registry import context_model

    context_model(name)  # raises unknown-template
    return {**_PATIENT, **_PLACE, **_EXAMPLES[name]}


def example_context(name: str) -> TemplateContext:
    """Return a complete, valid example context of template ``name``.

    Raises:
        TemplateContextError: code ``unknown-template``.
    """
    from mssc.templates._registry import validate_context

    return validate_context(name, example_data(name))
