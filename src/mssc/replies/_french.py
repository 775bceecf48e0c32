"""The French model of the MSS-C guide's causes: closed, not found, too large.

Mon espace santé's automatic replies are not published, so the classifier cannot list their
sentences. It reads what French words *mean* instead: an **object** (the patient's messagerie,
boîte, BAL, espace santé, compte, profil), a **state** (fermé, clôturé, désactivé ... for a
closed box; inconnu, inexistant, jamais créé, opposé ... for a patient with no box), and for
sizes, a **size word** (taille, poids, volumineux, a quantity in Mo/Mio/Go/MB/octets) with an
**excess word** (dépasse, excède, limite, maximum). Each pattern below is built from these
vocabularies and joins them in the orders French uses (``la messagerie du patient est
fermée``, ``fermeture de son espace santé``, ``le patient a clôturé son compte``), with a few
free words between them but never a negation (``n'est pas fermée`` is not closed) nor a sentence
end.

Patterns read *normalised* text (:func:`mssc.mime.normalise`: lower case, accents
stripped, ’ made ', white space and folded lines collapsed), so accents or their absence, case,
apostrophes and line breaks inside a phrase do not matter; quoted-printable is decoded before.

Context also decides:

- a closed state followed by a date or "temporairement" (``fermée jusqu'au 3 mars``) is an
  absence, not a closed box: :data:`ABSENCE` recognises a professional's out-of-office text;
- a notice that says delivery will be tried again is a delay (:data:`DELAY`), whatever it names.

>>> import re
>>> from mssc.mime import normalise
>>> any(re.search(p, normalise("L’espace santé du patient a été CLÔTURÉ.")) for p in CLOSED)
True
>>> any(re.search(p, normalise("La messagerie n'est pas fermée.")) for p in CLOSED)
False
>>> any(re.search(p, normalise("Le poids de l'envoi (31 Mio) excède 25 Mo")) for p in TOO_LARGE)
True
"""

from __future__ import annotations

__all__ = ["ABSENCE", "CLOSED", "DELAY", "NOT_FOUND", "TOO_LARGE"]


def _any(*words: str) -> str:
    return "(?:" + "|".join(words) + ")"


#: Start of a word: after a space, an apostrophe (``l'espace``), an opening bracket or quote
#: (``(maximum 25 Mo)``) or the start of the text.
_W = r"(?<![^ '(\[\"])"

# -- vocabulary ----------------------------------------------------------------------------

#: What a patient has, that can be closed or missing.
OBJECT = _any(
    r"messageries?(?: securisees?| de sante| mssante| citoyenne)?",
    r"boites?(?: aux lettres| a lettres| mail| e-?mail| de messagerie| de reception)?",
    r"bal",
    r"(?:mon )?espaces? (?:numerique )?(?:de )?sante",
    r"comptes?(?: mon espace sante| de messagerie)?",
    r"profils?",
    r"adresses? (?:de messagerie|mail|e-?mail|mssante)",
)
#: A person, or the record that stands for one, who may be unknown.
_PERSON = _any(
    r"patiente?s?",
    r"usagers?",
    r"destinataires?",
    r"utilisat(?:eur|rice)s?",
    r"titulaires?",
    r"beneficiaires?",
    r"ins",
    r"dossiers?(?: patient)?",
)
#: An identifier of a box, which a sender has too.
_IDENTIFIER = _any(r"identifiants?(?: national de sante| ins)?", r"adresses?")
#: Who may be unknown: the object, or the person or identifier that names them.
WHO = _any(OBJECT, _PERSON, _IDENTIFIER)
#: Not the sender's own (``votre compte``, ``vos adresses``) nor the mail system's (``le
#: serveur de messagerie``, ``la passerelle de messagerie``): put before a thing that the
#: sender or a server may have too (an object, an address, an identifier).
_NOT_OWNED = (
    r"(?<!votre )(?<!vos )(?<!serveur )(?<!serveurs )(?<!serveur de )(?<!serveurs de )"
    r"(?<!passerelle de )(?<!relais de )(?<!systeme de )(?<!plateforme de )(?<!logiciel de )"
    r"(?<!votre compte de )(?<!votre boite de )(?<!votre adresse de )(?<!votre service de )"
)
#: :data:`OBJECT` as the subject of a sentence about the patient's box (:data:`_NOT_OWNED`).
SUBJECT_OBJECT = _NOT_OWNED + OBJECT
#: :data:`WHO` as the subject of a sentence about the patient: a person (``votre
#: destinataire`` is the patient), or a thing that is not the sender's nor a server's.
SUBJECT_WHO = _any(_NOT_OWNED + _any(OBJECT, _IDENTIFIER), _PERSON)
#: A closed state, in any gender and number.
CLOSED_STATE = _any(
    r"fermee?s?",
    r"cloturee?s?",
    r"clos(?:es?)?",
    r"desactivee?s?",
    r"supprimee?s?",
    r"resiliee?s?",
    r"suspendue?s?",
    r"archivee?s?",
    r"bloquee?s?",
    r"inactive?s?",
    r"inactifs?",
    r"desinscrite?s?",
    r"detruite?s?",
    r"hors service",
    r"(?:n'est|ne sont|n'etait) plus "
    r"(?:actif|active?s?|ouverte?s?|accessibles?|disponibles?|en service|utilisee?s?)",
)
#: The noun of a closing act.
CLOSING = _any(
    r"fermeture",
    r"cloture",
    r"desactivation",
    r"suppression",
    r"resiliation",
    r"desinscription",
)
#: A verb of closing, as a past participle after "a"/"ont" (``a fermé``).
CLOSE_VERB = _any(
    r"ferme",
    r"cloture",
    r"clos",
    r"desactive",
    r"supprime",
    r"resilie",
    r"suspendu",
    r"detruit",
    r"archive",
)
#: A reflexive verb of leaving, as a past participle after "s'est" (``s'est désinscrit de``).
LEAVE_VERB = _any(r"desinscrite?s?", r"desabonnee?s?", r"retiree?s?")

#: A verb of closing, in the infinitive (``a choisi de fermer``, ``a fait supprimer``).
CLOSE_INFINITIVE = _any(
    r"fermer",
    r"cloturer",
    r"desactiver",
    r"supprimer",
    r"resilier",
    r"suspendre",
    r"detruire",
    r"archiver",
)
#: The auxiliaries before a closing verb's participle (``a fermé``, ``ayant fermé``).
_AUXILIARY = _any(r"a", r"ont", r"avait", r"aurait", r"ayant")
#: A state of not existing.
UNKNOWN_STATE = _any(
    r"inconnue?s?",
    r"introuvables?",
    r"inexistante?s?",
    r"invalides?",
    r"erronee?s?",
    r"incorrecte?s?",
    r"non (?:trouvee?s?|reconnue?s?|identifiee?s?|referencee?s?|enregistree?s?|creee?s?|"
    r"repertoriee?s?|inscrite?s?|valides?)",
    r"absente?s? (?:de l'annuaire|du referentiel|de la base|de nos registres)",
)
#: Participles of coming into being (``pas encore créé``, ``jamais ouvert``).
CREATED = _any(r"creee?s?", r"ouverte?s?", r"activee?s?", r"initialisee?s?", r"mise? en place")
#: A negation, and what a full box or a count is measured in: no free word of a phrase.
_NEGATIONS = r"pas|plus|jamais|non|ni|ne|n'\S*|aucune?"
_MEASURES = r"quota|stockage|nombre"
#: Words that stop a phrase: a negation, the sender as the object (a sender issue), or what
#: a full box or a count is measured in (``quota``, ``stockage``, ``nombre``).
_STOP = rf"(?:l'|d')?(?:{_NEGATIONS}|expediteur|emetteur|envoyeur|votre|vous|{_MEASURES})\b"
#: Up to ``n`` free words inside a phrase, each followed by a space (no sentence end, no stop
#: word); it stands after a space.
_GAP = r"(?:(?!" + _STOP + r")[^ .;:!?]+ ){0,%d}"
#: Up to three free words between the noun of a label and its colon, none a stop word
#: (``Boîte aux lettres <address> : désactivée``; ``Compte expéditeur : bloqué`` is the sender's).
_LABEL_GAP = r"(?: (?:(?!" + _STOP + r")[^ .;:!?]+ ){0,3})? ?: "
#: Words that stop a phrase about a size: a negation, or what a full box is measured in or
#: is (``la taille de votre boite``: a quota). "votre" does not stop it: ``la taille de
#: votre message`` is the message's.
_SIZE_STOP = (
    rf"(?:l'|d')?(?:{_NEGATIONS}|{_MEASURES}|capacite|boites?|bal|messageries?|comptes?|"
    r"espaces?|serveurs?)\b"
)
#: :data:`_GAP` for a size phrase.
_SIZE_GAP = r"(?:(?!" + _SIZE_STOP + r")[^ .;:!?]+ ){0,%d}"
#: An object after an article that may be elided (``l'espace``, ``d'espace``).
_ELIDED = r"(?:l'|d')?"
#: A closed state that is about a date or a short while is an absence, not a closed box.
_NOT_TEMPORARY = (
    r"(?! (?:temporairement|provisoirement|momentanement|jusqu|du \d|du lundi|pendant|"
    r"pour (?:la|les|quelques|cause|le moment|l'instant)|cette semaine|ce jour))"
)

SIZE = _any(r"taille", r"poids", r"volume", r"volumetrie", r"dimension")
QUANTITY = (
    r"\d+(?:[ .,]\d{3})*(?:[.,]\d+)? ?(?:mo|mio|go|gio|mb|mib|gb|gib|ko|kio|kb|octets|bytes|"
    r"mega-?octets|giga-?octets)\b"
)
EXCEED = _any(
    r"depass(?:e|ent|ait|ant|ement|er)",
    r"exced(?:e|ent|ait|ant|er)",
    r"superieure?s? (?:a|au)",
    r"au-? ?dela (?:de|d'|du)",
    r"outrepass(?:e|ent|ant)",
    r"plus (?:grande?s?|grose?s?|lourde?s?) que",
)
LIMIT = _any(
    r"limites?",
    r"maximum",
    r"maximale?s?",
    r"max",
    r"autorisee?s?",
    r"admise?s?",
    r"permise?s?",
    r"plafond",
    r"seuil",
)
BIG = _any(r"volumineu(?:x|se|ses)", r"lourde?s?", r"grose?s?")

# -- the three causes ---------------------------------------------------------------------

#: The patient's box is closed: object then state, closing noun then object, or
#: "(the patient) has closed their (object)".
CLOSED: tuple[str, ...] = (
    rf"{_W}{SUBJECT_OBJECT},? {_GAP % 6}(?:(?:est|sont|a ete|ont ete|etait|a ete definitivement) )?"
    rf"{CLOSED_STATE}\b{_NOT_TEMPORARY}",
    # an address that is no longer in use ("cette adresse n'est plus active"); a bare
    # "adresse" is no object of the other patterns ("adresse IP bloquee" is a block)
    rf"{_W}adresses? (?:\S+ ){{0,3}}(?:n'est|ne sont) plus (?:active?s?|actifs?|en service|"
    r"utilisee?s?)\b",
    # a label and its value: "Etat de la messagerie : fermee", "Statut du compte : desactive",
    # "Boite aux lettres <address> : desactivee" (up to three words before the colon, none a
    # stop word: "Compte expediteur : bloque" is the sender's)
    rf"{_W}{SUBJECT_OBJECT}{_LABEL_GAP}{CLOSED_STATE}\b{_NOT_TEMPORARY}",
    # the state as the label: "Fermee : la messagerie du patient" (not the sender's)
    rf"{_W}{CLOSED_STATE} ?: (?:la |le |les |l'|sa |son |ses )?{SUBJECT_OBJECT}\b"
    r"(?! (?:de |d'|de l')?(?:expediteur|emetteur|envoyeur)\b)",
    rf"{_W}{CLOSING}(?: definitive| volontaire)? (?:de |du |des )?{_GAP % 2}{_ELIDED}{OBJECT}\b"
    rf"{_NOT_TEMPORARY}",
    # "a ferme", "ayant ferme" (its access, or its reception of messages, too)
    rf"\b{_AUXILIARY} (?:volontairement |definitivement )?{CLOSE_VERB}e? "
    r"(?:l'acces (?:a |au )|la reception (?:des |de )?(?:messages|courriels|mails) "
    r"(?:dans |sur |de |a )?)?"
    rf"(?:sa |son |ses |leur |la |le |les |votre )?{_GAP % 2}{_ELIDED}{OBJECT}\b{_NOT_TEMPORARY}",
    # the closing, chosen, asked for or had done ("a choisi de desactiver sa messagerie",
    # "a fait supprimer son compte": a participle first, as a bare "a supprimer" is the
    # preposition "à"), or an end put to it ("a mis fin a son espace sante", "a mis fin a
    # l'utilisation de son espace sante")
    rf"\b{_AUXILIARY} (?:(?:volontairement |definitivement )?mis (?:fin|un terme) "
    rf"(?:a|au|aux)|(?!{_STOP})[^ .;:!?]+ {_GAP % 2}(?:de |d'|a )?{CLOSE_INFINITIVE}) "
    rf"(?:sa |son |ses |leur |la |le |les )?{_GAP % 3}{_ELIDED}{OBJECT}\b{_NOT_TEMPORARY}",
    # left it: "s'est desinscrit de Mon espace sante", "a quitte son espace sante"
    rf"\b(?:s'est|se sont|s'etait|s'etant) (?:definitivement |volontairement )?{LEAVE_VERB} "
    rf"(?:de |du |des |d')?(?:sa |son |ses |leur |la |le |les )?{_GAP % 2}{_ELIDED}{OBJECT}\b"
    rf"{_NOT_TEMPORARY}",
    rf"\b{_AUXILIARY} (?:definitivement |volontairement )?quitte "
    rf"(?:sa |son |ses |leur |la |le |les )?{_GAP % 2}{_ELIDED}{OBJECT}\b{_NOT_TEMPORARY}",
    # no longer there, or no longer had: "l'espace sante de ce patient n'existe plus", "ce
    # patient n'a plus de messagerie" (it was there: closed, not never created)
    rf"{_W}{SUBJECT_WHO} {_GAP % 4}(?:n'existe|n'existent|n'existait) plus\b{_NOT_TEMPORARY}",
    rf"{_W}{SUBJECT_WHO} {_GAP % 4}(?:ne |n')(?:possede|dispose|a|ont|disposent|possedent) plus "
    rf"(?:de |d')(?:une? )?{_GAP % 1}{OBJECT}\b{_NOT_TEMPORARY}",
    # no longer what it was: "cette adresse ne correspond plus a une messagerie active"
    rf"{_W}{SUBJECT_WHO} {_GAP % 3}ne correspond(?:ent)? plus a (?:une? |aucune? )?{OBJECT}\b"
    rf"{_NOT_TEMPORARY}",
    # takes no more messages at all: "sa messagerie n'accepte plus de messages" (not those of
    # one sender, nor those over a size)
    rf"{_W}{SUBJECT_OBJECT} {_GAP % 3}(?:n'accepte|n'acceptent|ne recoit|ne recoivent) plus "
    r"(?:de |d'|aucun |aucune )?(?:messages?|courriels?|e-?mails?|envois?|correspondances?)\b"
    r"(?! (?:de|d'|du|des|provenant|en provenance|venant|emanant|envoyes?|adresses?|"
    r"expedies?|au-?dela|superieurs?|trop|dont|qui|plus|sans|avec|contenant|comportant|"
    r"car|parce|puisque|tant|faute|en raison)\b)"
    rf"{_NOT_TEMPORARY}",
)

#: The patient has no box: unknown, never created, or opposed to its creation.
NOT_FOUND: tuple[str, ...] = (
    rf"{_W}{SUBJECT_WHO} {_GAP % 3}(?:(?:est|sont|a ete|semble|parait) )?{UNKNOWN_STATE}\b",
    # a label and its value: "Destinataire : inconnu", "Destinataire <address> : inconnu"
    rf"{_W}{SUBJECT_WHO}{_LABEL_GAP}{UNKNOWN_STATE}\b",
    rf"{_W}{SUBJECT_WHO} {_GAP % 4}(?:n'a|n'ont|n'est|ne sont|n'etait|n'avait) (?:pas|jamais)"
    rf"(?: encore| jamais| pas)? (?:ete )?{CREATED}",
    rf"{_W}{SUBJECT_WHO} {_GAP % 4}(?:jamais|pas encore|non encore) (?:ete )?{CREATED}",
    rf"{_W}{SUBJECT_WHO} {_GAP % 4}(?:n'existe|n'existent|n'existait) pas",
    rf"{_W}{SUBJECT_WHO} {_GAP % 4}(?:n'est|ne sont|n'etait|n'a) (?:pas|plus|jamais) (?:ete )?"
    r"(?:connue?s?|inscrite?s?|enregistree?s?|referencee?s?|repertoriee?s?|identifiee?s?|"
    r"trouvee?s?|reconnue?s?)\b",
    r"\bn'existe pas",
    # not in the directory: "non répertorié dans l'annuaire", "ne figure pas dans l'annuaire"
    r"\b(?:non (?:repertoriee?s?|referencee?s?|inscrite?s?|listee?s?)|absente?s?|ne figure "
    r"(?:pas|plus)) (?:dans |a |de |sur )?(?:l'annuaire|le repertoire|du repertoire)\b",
    r"\bn'a pas ete (?:trouvee?|identifiee?)",
    rf"\baucune? (?:\S+ )?{_ELIDED}{WHO}\b",
    r"\bne correspond(?:ent)? a aucun",
    rf"\b(?:ne |n')(?:possede|dispose|a|ont|disposent|possedent) (?:pas|jamais)(?: encore)? "
    rf"(?:de |d')(?:une? )?{_GAP % 1}{OBJECT}\b",
    # not a known person: "n'est pas un patient connu"
    rf"\b(?:n'est|ne sont|n'etait) pas (?:un|une|des) {_PERSON} "
    r"(?:connue?s?|inscrite?s?|enregistree?s?|referencee?s?|repertoriee?s?|identifiee?s?|"
    r"reconnue?s?)\b",
    # refused to have one: "a refuse d'avoir un espace sante", "s'est oppose a l'ouverture"
    r"(?<!pas )(?<!jamais )\b(?:refus|oppos)(?:e|ee|es|ees|ait|ent)? (?:a |de |d')"
    r"(?:avoir|disposer d'|posseder|ouvrir|creer|activer) "
    rf"(?:une? |son |sa |leur )?{_GAP % 1}{OBJECT}\b",
    # cannot be found: "impossible de trouver le destinataire" (the person or identifier
    # itself, after an article at most: "le serveur du destinataire" is a routing problem)
    r"\b(?:impossible de|ne peut|ne pouvons|n'avons pas pu|n'a pas pu|n'ont pas pu) "
    r"(?:pas )?(?:trouver|retrouver|localiser|identifier) (?:le |la |les |l'|ce |cet |cette )?"
    rf"{WHO}\b(?! (?:de l'|du |de la |des )?(?:expediteur|emetteur|serveur|domaine|hote))",
    rf"\b(?:pas (?:de |d')|sans (?:de |d')?)(?:une? )?{OBJECT}\b",
    r"(?<!pas )(?<!jamais )\b(?:oppos(?:e|ee|es|ees|ition)|refus(?:e|ee|es)?) (?:\S+ ){0,4}(?:l')?"
    r"(?:creation|ouverture|activation)\b",
    r"\b(?:creation|ouverture|activation) (?:\S+ ){0,6}(?:refusee|opposee|pas eu lieu)",
    rf"\boppos(?:e|ee|es|ees|ition) (?:a|au) (?:la |sa |son |l')?{OBJECT}\b",
    # refused or opposed "que ... soit cree": "a refuse que son espace sante soit cree"
    r"(?<!pas )(?<!jamais )\b(?:refus|oppos)(?:e|ee|es|ees|ait|ent)? (?:a ce )?que (?:\S+ ){0,4}"
    rf"(?:soit|soient|ait ete|aient ete) {CREATED}",
    # no match for the identifier: "aucune correspondance trouvee pour l'INS"
    r"\baucune? (?:correspondance|resultat|concordance)s? (?:\S+ ){0,2}(?:pour|avec) "
    rf"{_GAP % 2}{_ELIDED}{WHO}\b",
)

#: The message is over a size limit.
TOO_LARGE: tuple[str, ...] = (
    rf"\btrop {BIG}",
    rf"{_W}{SIZE} {_SIZE_GAP % 6}(?:{EXCEED}|trop (?:grande?|importante?|elevee?))\b(?! pas)",
    rf"\b{EXCEED} (?:(?:la|le|les|de|du|des|sa|son|notre) )?{_GAP % 2}{_ELIDED}"
    rf"(?:{SIZE}|{LIMIT}|{QUANTITY})",
    rf"{_W}{SIZE} (?:maximale?|maximum|limite|autorisee|admise|max)\b",
    # a size said to be too much: "taille excessive", "poids excessif"
    rf"{_W}{SIZE} (?:\S+ )?excessi(?:ve|f)s?\b",
    # the messages over a quantity: "les messages de plus de 25 Mo"
    r"\b(?:messages?|envois?|courriels?|e-?mails?|pieces? jointes?|fichiers?) (?:\S+ ){0,2}"
    rf"(?:de )?plus de {QUANTITY}",
    rf"{_W}(?:limite|plafond|seuil) (?:de |d')(?:{SIZE}|{QUANTITY})",
    rf"{QUANTITY} (?:maximum|max|autorises?|admis|permis)\b",
    rf"{_W}(?:maximum|limite|plafond|seuil) {_GAP % 3}(?:de |a )?{QUANTITY}",
)

# -- context ------------------------------------------------------------------------------

#: Delivery will be tried again: a delay, not a failure.
DELAY: tuple[str, ...] = (
    r"(?<!aucune )(?<!pas de )(?<!plus de )\b(?:nouvelle|prochaine|autre) tentative",
    r"\bsera (?:de nouveau |a nouveau )?(?:retentee?|reessayee?|renouvelee?|retransmise?|"
    r"represente)",
    r"\b(?:reessaierons|reessayerons|retenterons|reessaiera|reessayera|retentera)\b(?! pas| plus)",
    r"\b(?:remise|distribution|livraison|acheminement) (?:du message )?(?:est |a ete )?"
    r"(?:retardee|differee|reportee)",
    r"\bpas encore (?:pu etre |ete )?(?:remis|distribue|delivre|achemine)",
    r"\bn'a pas encore pu",
    r"\btentatives? (?:de remise |de distribution )?(?:se poursui|continue)",
    r"\bwill (?:be )?retr(?:y|ied)\b",
    r"\bwill (?:continue|keep) (?:to try|trying)",
)

#: A professional's out-of-office text (read in the body when no header says so).
ABSENCE: tuple[str, ...] = (
    r"\bje (?:suis|serai) (?:actuellement )?(?:absente?|en conges?|en deplacement|en formation)",
    r"\b(?:absente?|en conges?) (?:du \d|jusqu|a partir)",
    r"\bde retour (?:le|a partir|au cabinet|lundi|mardi|mercredi|jeudi|vendredi)\b",
    rf"{_W}(?:{OBJECT}|cabinet|secretariat|service) (?:\S+ ){{0,3}}(?:est |sera )?"
    r"(?:fermee?|close?|indisponible) (?:temporairement |provisoirement )?(?:jusqu|du \d|pendant|"
    r"pour (?:la|les) )",
    r"\bne (?:sera|seront) (?:pas )?(?:lue?s?|consultee?s?|traitee?s?) (?:avant|jusqu|pendant)",
    r"\bpendant mon absence\b",
)
