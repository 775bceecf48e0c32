"""The phrase tables and the status-code fallback of the classifier, in their fixed priority.

All patterns are regular expressions over *normalised* text: lower case, accents stripped
(``boîte fermée`` → ``boite fermee``), typographic apostrophes made ASCII and all white space
(including folded lines) collapsed to one space. French tables come before English ones for the
same kind. The priority, first match wins, is:

1. ``mailbox-full`` (→ DELIVERY_FAILED: a full box is not a closed box)
2. ``message-too-large``
3. ``mailbox-closed``
4. ``recipient-not-found`` (unknown user, mailbox, patient or INS)
5. ``host-not-found`` (→ RECIPIENT_NOT_FOUND: unknown domain)
6. ``other-failure`` (→ DELIVERY_FAILED: blocked, spam, policy, relay, timeout ...), read in
   per-recipient diagnostics only
7. ``recipient-not-found.reply`` ("does not exist" with no noun), in per-recipient diagnostics
   only

The status code is read only when no phrase matched (:data:`STATUS_RULES`), and ``5.2.1``
("mailbox disabled" in the IANA registry, but used by many servers for unknown users and
blocks) maps to DELIVERY_FAILED, never to MAILBOX_CLOSED.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from mssc.replies import _french
from mssc.replies.model import ReplyKind

try:  # the regular-expression parser of the stdlib (private; only used to speed matching up)
    from re import _constants as _sre_constants  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _sre_constants
    import sre_parse as _sre_parse

__all__ = [
    "ADDRESS_BLANK",
    "BUILTIN_RULES",
    "NOT_FOUND_STATUSES",
    "STATUS_RULES",
    "PhraseRule",
    "StatusRule",
]


_MIN_WORD = 3

#: What each word that holds an e-mail address becomes in the text the patterns read
#: ("user <address> not found"), so that a pattern may name an address's place without
#: matching its letters (``filtered@...`` is no phrase).
ADDRESS_BLANK = "<address>"


def _required_words(pattern: str) -> frozenset[str] | None:
    """Strings of which every match of ``pattern`` contains at least one, or None if unknown.

    Derived from the parsed pattern: a run of literal characters, or for a group of
    alternatives, one run from each alternative. Patterns with flags get None (no shortcut).
    """
    try:
        parsed = _sre_parse.parse(pattern)
        if parsed.state.flags & ~(_sre_constants.SRE_FLAG_UNICODE):
            return None
        words = _required_in(list(parsed))
    except Exception:  # any surprise: no shortcut, the regex alone decides
        return None
    return frozenset(words) if words else None


def _required_in(items: list[tuple[object, object]]) -> frozenset[str] | None:
    """The most selective of the sets :func:`_sets_in` finds (the longest shortest string; the
    first such set in pattern order), or None."""
    found: list[frozenset[str]] = []
    _sets_in(items, found)
    best: frozenset[str] | None = None
    for candidate in found:
        if best is None or min(map(len, candidate)) > min(map(len, best)):
            best = candidate
    return best


_INLINE_FLAGS = re.compile(r"\(\?[aiLmsux-]")


def _required_sets(pattern: str) -> tuple[frozenset[str], ...]:
    """Sets of strings that every match of ``pattern`` contains one of, each of them.

    :func:`_required_words` gives the most selective of these sets; this gives all that the
    pattern's top-level sequence shows (a literal run, a group, a group of alternatives, a
    repeat of at least once), so that a text lacking any of them is known not to match.
    Patterns with flags, and groups that set flags, give no set.
    """
    if _INLINE_FLAGS.search(pattern):
        return ()  # a group that changes flags anywhere (even inside alternatives): no shortcut
    try:
        parsed = _sre_parse.parse(pattern)
        if parsed.state.flags & ~(_sre_constants.SRE_FLAG_UNICODE):
            return ()
        found: list[frozenset[str]] = []
        _sets_in(list(parsed), found)
    except Exception:  # any surprise: no shortcut, the regex alone decides
        return ()
    return tuple(dict.fromkeys(found))


def _sets_in(items: list[tuple[object, object]], found: list[frozenset[str]]) -> None:
    run = ""

    def keep(candidate: set[str] | None) -> None:
        if candidate and min(map(len, candidate)) >= _MIN_WORD:
            found.append(frozenset(candidate))

    c = _sre_constants
    for op, av in items:
        if op is c.LITERAL:
            run += chr(av)  # type: ignore[arg-type]
            continue
        keep({run} if run else None)
        run = ""
        if op is c.SUBPATTERN:
            if not (av[1] or av[2]):  # type: ignore[index]
                # a scoped flag group such as (?i:...) changes what its literals match
                _sets_in(list(av[-1]), found)  # type: ignore[index]
        elif op is c.BRANCH:
            union: set[str] = set()
            for branch in av[1]:  # type: ignore[index]
                sub = _required_in(list(branch))
                if sub is None:
                    union = set()
                    break
                union |= sub
            keep(union or None)
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] >= 1:  # type: ignore[index]
            _sets_in(list(av[2]), found)  # type: ignore[index]
    keep({run} if run else None)


def _closing_paren(source: str, start: int) -> int:
    """The index of the ``)`` that closes the group opened at ``source[start]``, or -1."""
    depth = 0
    i = start
    in_class = False
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            if source.startswith("]", i + 1) or source.startswith("^]", i + 1):
                i += 2 if source[i + 1] == "]" else 3  # a "]" first in a class is a literal
                continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


class Searcher:
    """``regex.search`` with the same result, faster for patterns that open with assertions.

    A pattern that opens with ``\\b`` or lookbehinds (``\\bmessage non ...``,
    ``(?<![^ '])(?:taille|poids ...)``) gives the regular-expression engine no literal to skip
    ahead to, so it tries every position of the text. The rest of the pattern often has one:
    it is searched alone, and each place it matches is kept only when the opening assertions
    hold there too (they are zero-width, and look before the position, so they are checked in
    the whole text). The first such place is where the whole pattern first matches, with the
    same span and groups. Patterns that do not split so exactly are searched as they are.
    """

    __slots__ = ("_body", "_guard", "regex")

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex
        self._guard: re.Pattern[str] | None = None
        self._body: re.Pattern[str] = regex
        split = _split_assertions(regex)
        if split is not None:
            self._guard, self._body = split

    def search(self, text: str) -> re.Match[str] | None:
        """``self.regex.search(text)``."""
        guard = self._guard
        if guard is None:
            return self._body.search(text)
        body = self._body
        pos = 0
        while True:
            m = body.search(text, pos)
            if m is None or guard.match(text, m.start()) is not None:
                return m
            pos = m.start() + 1


def _split_assertions(regex: re.Pattern[str]) -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    """(the opening assertions, the rest) of ``regex``, when the whole is exactly the one
    followed by the other; else None."""
    source = regex.pattern
    if not isinstance(source, str) or _INLINE_FLAGS.search(source):
        return None
    i = 0
    word_start = False  # a top-level \b among the assertions
    while True:
        if source.startswith("\\b", i):
            i += 2
            word_start = True
        elif source.startswith(("(?<!", "(?<="), i):
            end = _closing_paren(source, i)
            if end < 0:
                return None
            i = end + 1
        else:
            break
    if i == 0 or i >= len(source):
        return None
    first = source[i]
    if not (first.isascii() and first.isalnum()) and not (first == "(" and word_start):
        # nothing for the engine to skip ahead to (after lookbehinds alone, a group of
        # alternatives is slower searched alone: it matches inside words that they reject;
        # with a \b among them, the group's matches start words, as the whole pattern's do)
        return None
    head, rest = source[:i], source[i:]
    try:
        flags = regex.flags
        whole = _sre_parse.parse(source, flags)
        parts = list(_sre_parse.parse(head, flags)) + list(_sre_parse.parse(rest, flags))
        # the same parse, group numbers included: the pattern is the assertions, then the rest
        if repr(list(whole)) != repr(parts) or _sre_parse.parse(head, flags).state.groups != 1:
            return None
        return re.compile(head, flags), re.compile(rest, flags)
    except Exception:
        return None


@dataclass(frozen=True, slots=True)
class PhraseRule:
    """A rule that gives ``kind`` when one of ``patterns`` matches a normalised text.

    Attributes:
        name: a unique id, shown in :class:`~mssc.replies.model.Evidence` as ``phrase.<name>``.
            A rule passed to :class:`~mssc.replies.Classifier` with the name of a built-in rule
            replaces it.
        kind: the verdict when it matches.
        patterns: regular expressions over normalised text (lower case, no accents, single
            spaces; e-mail addresses blanked to ``<address>``, underscores read as spaces:
            ``BAL_FERMEE`` is ``bal fermee``).
        diagnostic_only: only read per-recipient diagnostics, not the whole notice or subject.
    """

    name: str
    kind: ReplyKind
    patterns: tuple[str, ...]
    diagnostic_only: bool = False
    _compiled: tuple[tuple[frozenset[str] | None, re.Pattern[str]], ...] = field(
        init=False, repr=False, compare=False
    )
    _searchers: tuple[tuple[frozenset[str] | None, Searcher], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        patterns: object = self.patterns
        if isinstance(patterns, str):
            raise TypeError("PhraseRule.patterns is a tuple of regular expressions, not a str")
        if not self.name or not self.patterns:
            raise ValueError("a PhraseRule needs a name and at least one pattern")
        compiled = tuple((_required_words(p), re.compile(p)) for p in self.patterns)
        object.__setattr__(self, "_compiled", compiled)
        object.__setattr__(self, "_searchers", tuple((w, Searcher(r)) for w, r in compiled))

    @property
    def words(self) -> frozenset[str]:
        """Every word that the patterns require (used to skip patterns that cannot match)."""
        return frozenset(w for words, _ in self._compiled if words for w in words)

    def search(self, text: str, present: frozenset[str] | None = None) -> str | None:
        """Return the matched excerpt (with a little context) or None.

        Patterns are tried in order; a pattern is skipped at once when ``text`` lacks every
        word that any match of it must contain. ``present``, when given, is the set of
        :attr:`words` known to occur in ``text`` (a caller that tries many rules on one text
        computes it once).
        """
        for words, searcher in self._searchers:
            if words is not None:
                if present is not None:
                    if words.isdisjoint(present):
                        continue
                else:
                    # a plain loop: no generator to build for each pattern
                    for w in words:
                        if w in text:
                            break
                    else:
                        continue
            m = searcher.search(text)
            if m is not None:
                return _excerpt(text, m)
        return None

    @property
    def searchers(self) -> tuple[tuple[frozenset[str] | None, Searcher], ...]:
        """``(required words or None, searcher)`` for each pattern, in order: the searcher
        gives ``pattern.search``'s result, faster."""
        return self._searchers

    @property
    def compiled(self) -> tuple[tuple[frozenset[str] | None, re.Pattern[str]], ...]:
        """``(required words or None, compiled pattern)`` for each pattern, in order."""
        return self._compiled


def _excerpt(text: str, m: re.Match[str]) -> str:
    """The excerpt that :meth:`PhraseRule.search` returns for the match ``m`` in ``text``."""
    start = max(0, m.start() - 30)
    return text[start : m.end() + 30].strip()[:120]


#: A word of a :class:`WordFinder`'s plan and, below it, the words that contain it: those are
#: only looked for when it occurs (a string cannot occur without its substrings).
_Tree = tuple[str, tuple["_Tree", ...]]


def _word_plan(words: Iterable[str], key_len: int = 3) -> tuple[tuple[str, tuple[_Tree, ...]], ...]:
    """How to find which of ``words`` occur in a text with few scans of it.

    Each word that contains another of ``words`` goes below the longest such one (the first
    in sorted order of the longest), so that it is only looked for when that one occurs. The
    words that contain no other are grouped by a ``key_len``-character piece that at least two
    of them share (the most shared piece first); a group is only looked at when its piece
    occurs. The result is ``(piece, trees)`` pairs;
    the first has the empty piece (always looked at) and holds the words of no group.
    """
    unique = sorted(set(words))
    below: dict[str, list[str]] = {}
    roots: list[str] = []
    for w in unique:
        inside = [v for v in unique if v != w and v in w]
        if inside:
            parent = max(inside, key=len)  # the first of the longest (``unique`` is sorted)
            below.setdefault(parent, []).append(w)
        else:
            roots.append(w)

    def tree(w: str) -> _Tree:
        return w, tuple(tree(v) for v in below.get(w, ()))

    uncovered = set(roots)
    groups: list[tuple[str, tuple[_Tree, ...]]] = []
    while uncovered:
        counts: dict[str, int] = {}
        for w in sorted(uncovered):
            for key in {w[i : i + key_len] for i in range(len(w) - key_len + 1)}:
                counts[key] = counts.get(key, 0) + 1
        if not counts:
            break
        key = max(sorted(counts), key=counts.__getitem__)
        if counts[key] < 2:
            break
        members = sorted(w for w in uncovered if key in w)
        groups.append((key, tuple(map(tree, members))))
        uncovered.difference_update(members)
    return (("", tuple(map(tree, sorted(uncovered)))), *groups)


class WordFinder:
    """Finds which of a fixed set of strings occur in a text, with fewer scans of the text.

    Strings that share a 3-character piece are grouped under it: a group's strings are only
    looked for when the piece itself occurs (a string cannot occur without its piece). A
    string that contains another of the set is only looked for when that one occurs.
    :meth:`find` returns exactly the strings that occur in the text.
    """

    __slots__ = ("_plan",)

    def __init__(self, words: Iterable[str]) -> None:
        self._plan = _word_plan(words)

    def find(self, text: str) -> list[str]:
        """The strings that occur in ``text``."""
        found: list[str] = []
        for key, trees in self._plan:
            if key in text:
                _find_below(text, trees, found)
        return found


def _find_below(text: str, trees: tuple[_Tree, ...], found: list[str]) -> None:
    """Append to ``found`` each word of ``trees`` that occurs in ``text``, then (only then)
    the words below it that do."""
    for word, below in trees:
        if word in text:
            found.append(word)
            if below:
                _find_below(text, below, found)


class RuleTable:
    """Phrase rules indexed by the words their patterns require, for a fast first match.

    :meth:`first` gives the same answer as trying each rule's :meth:`PhraseRule.search` in
    order, but only runs the patterns that have one of their required words in the text.
    """

    __slots__ = ("_always", "_entries", "_masks", "finder", "words")

    def __init__(self, rules: tuple[PhraseRule, ...]) -> None:
        # each pattern's sets of strings that any match contains one of (the first is the
        # one PhraseRule.search uses); none when the pattern has flags: it always runs
        patterns: list[tuple[PhraseRule, Searcher, list[frozenset[str]]]] = []
        for rule in rules:
            for (words, regex), (_, searcher) in zip(rule.compiled, rule._searchers, strict=True):
                sets = []
                if words is not None:
                    sets = [words, *(s for s in _required_sets(regex.pattern) if s != words)]
                patterns.append((rule, searcher, sets))
        # how many patterns require each string: one that many require ("mail", "user") is
        # likely in any notice, so a poor one to select patterns by
        shared: dict[str, int] = {}
        for _, _, sets in patterns:
            for w in {w for s in sets for w in s}:
                shared[w] = shared.get(w, 0) + 1

        # the address blank is in almost every reply's text: any other set is less common
        everywhere = 1 + sum(shared.values())

        def commonness(strings: frozenset[str]) -> tuple[int, int]:
            return (
                sum(everywhere if ADDRESS_BLANK in w else shared[w] for w in strings),
                -min(map(len, strings)),
            )

        entries: list[tuple[PhraseRule, Searcher, tuple[tuple[str, ...], ...]]] = []
        index: dict[str, list[int]] = {}
        always: list[int] = []
        for i, (rule, searcher, sets) in enumerate(patterns):
            if not sets:
                always.append(i)
                entries.append((rule, searcher, ()))
                continue
            # the index selects the pattern by its least common set; the others are checked
            # (least common first) before the regex is run
            ordered = sorted(sets, key=commonness)
            for w in ordered[0]:
                index.setdefault(w, []).append(i)
            entries.append((rule, searcher, tuple(tuple(sorted(s)) for s in ordered[1:])))
        self._entries = tuple(entries)
        # entry i is bit i: a word's mask has the bits of the entries it selects
        self._masks = {w: sum(1 << i for i in set(v)) for w, v in index.items()}
        self._always = sum(1 << i for i in always)
        #: every required word of the table, for :meth:`first`'s ``present`` argument
        self.words: tuple[str, ...] = tuple(sorted(index))
        #: finds which of :attr:`words` occur in a text
        self.finder = WordFinder(self.words)

    def first(self, text: str, present: Iterable[str]) -> tuple[PhraseRule, str] | None:
        """The first rule (in table order) that matches ``text``, with its excerpt, or None.

        ``present`` holds at least every word of :attr:`words` that occurs in ``text`` (words
        that are not in the table are ignored).
        """
        masks = self._masks
        bits = self._always
        for w in present:
            mask = masks.get(w)
            if mask is not None:
                bits |= mask
        entries = self._entries
        while bits:
            low = bits & -bits  # the lowest set bit: the next entry in table order
            bits ^= low
            rule, searcher, also = entries[low.bit_length() - 1]
            if also and not _holds_one_of_each(text, also):
                continue
            m = searcher.search(text)
            if m is not None:
                return rule, _excerpt(text, m)
        return None


def _holds_one_of_each(text: str, sets: tuple[tuple[str, ...], ...]) -> bool:
    """Whether ``text`` holds one string of each of ``sets`` (plain loops: no generators)."""
    for strings in sets:
        for w in strings:
            if w in text:
                break
        else:
            return False
    return True


@dataclass(frozen=True, slots=True)
class StatusRule:
    """A fallback from an enhanced status code to a kind, read after every phrase rule.

    Attributes:
        name: a unique id (``status.<name>`` in evidence); same-name rules replace built-ins.
        kind: the verdict.
        prefixes: status codes or their ``class.subject`` prefix written without the class,
            e.g. ``".1.1"`` matches ``5.1.1`` and ``4.1.1``; ``"5.3.4"`` matches only that.
    """

    name: str
    kind: ReplyKind
    prefixes: tuple[str, ...]

    def matches(self, status: str) -> bool:
        """Whether ``status`` (e.g. ``5.1.1``) is covered by this rule."""
        for p in self.prefixes:
            if p.startswith("."):
                if status[1:] == p or status[1:].startswith(p + "."):
                    return True
            elif status == p:
                return True
        return False


_R = ReplyKind
#: Not after "or": "larger than the system limit or the recipient's mailbox is full" is a
#: hedge between two causes: the other cause's words, or else the status, decide.
_NOT_AFTER_OR = r"(?<!\bor )(?<!\bor the )(?<!\bor the recipient's )(?<!\bor your )"
#: Not the sender's own account or box ("your account", "sender account", "the sender's
#: mailbox"): put before the noun.
_NOT_SENDERS = r"(?<!your )(?<!sender )(?<!sender's )(?<!senders )(?<!sending )"

BUILTIN_RULES: tuple[PhraseRule, ...] = (
    PhraseRule(
        "mailbox-full.fr",
        _R.DELIVERY_FAILED,
        (
            r"\bboite (aux lettres |mail |de reception |de messagerie )?(du destinataire )?"
            r"(est )?(pleine|saturee)",
            r"\bquota (de stockage )?(est )?(depasse|atteint)",
            r"\bdepassement (de|du) quota",
            r"\bespace de stockage (insuffisant|plein|sature)",
        ),
    ),
    PhraseRule(
        "mailbox-full.en",
        _R.DELIVERY_FAILED,
        (
            _NOT_AFTER_OR + r"\bmail ?box (is |was )?(currently )?full\b",
            r"\bfull mail ?box",
            r"\bover ?quota\b",
            r"\bquota (exceeded|exceded|full|violation|limit (reached|exceeded))",
            r"\bexceed(ed|s)? (the |his |her |its |their |your )?(storage |disk |mailbox |mail box "
            r"|user )?quota",
            r"\binsufficient (disk |system |storage )?(space|storage)",
            r"\bnot enough (disk |storage )?space",
            r"\bmail ?box (size )?(limit )?(exceeded|exceeds|reached|would exceed|is over)",
            r"\b(mail ?folder|inbox|storage|disk) is (full|over)",
            _NOT_AFTER_OR + r"\bmail ?box is (full|over)",
            r"\bno space left",
            r"\bmailbox size limit",
            r"\b(user|recipient)'?s? (disk |mailbox )?quota",
            r"\bis over (the |his |her |its )?(storage |disk |mailbox )?quota",
            # a limit that is over, but not a message's size or length ("message size is over
            # limit": too large)
            r"(?<!size )(?<!length )\bis over (the |his |her |its )?(storage |disk |mailbox )?"
            r"limit",
            r"\btoo much mail data",
        ),
    ),
    # the French model of the MSS-C guide's causes (mssc.replies._french)
    PhraseRule("message-too-large.fr", _R.MESSAGE_TOO_LARGE, _french.TOO_LARGE),
    PhraseRule(
        "message-too-large.en",
        _R.MESSAGE_TOO_LARGE,
        (
            r"\b(messages?|attachments?|attached files?) (size |length |file )?"
            r"(is |was |are |were )?(too (big|large|long))",
            r"\b(message|mail|e-?mail|data) (size|length) (exceeds|exceeded|is over|too)",
            r"\b(message|mail|e-?mail|data|file|attachment)s? (is |was |are )?(larger|bigger) than",
            # one free word may qualify the size ("the maximum incoming message size"), but
            # not a box's (mailbox, quota, storage: a full box)
            r"\bexceed(s|ed)? (the |our |your )?(maximum|max|fixed|allowed|permitted|"
            r"administrative|configured)? ?((?!mail ?box|quota|storage|disk|folder)[a-z'-]+ )?"
            r"(message |mail |e-?mail )?size",
            r"\b(message|mail|e-?mail) size (limit|restriction)",
            r"\bsize limit (exceeded|reached)",
            r"\bmaximum ((?!mail ?box|quota|storage|disk|folder)[a-z-]+ )?"
            r"(message |mail |e-?mail )?size",
            r"(?<!header )(?<!file )\bsize exceeds",
            r"\btotal size of (the |this )?message",
            # a message said to exceed a quantity ("exceeds the 25 MB total size limit")
            r"\b(message|mail|e-?mail|attachments?)( \S+){0,2} exceeds? (the |our |a )?(maximum "
            r"|total |allowed )?\d+(\.\d+)? ?(mb|mo|mib|kb|gb|bytes)\b",
            # "message rejected: too large" (not a header's, a line's or a field's size)
            r"\b(message|mail|e-?mail)( (?!header|line|subject|field|mail ?box|quota|storage|disk|"
            r"folder)\S+){1,2} too (large|big)\b",
            # Exchange's codes: RESOLVER.RST.RecipSizeLimit, SendSizeLimit
            r"(recip|send)sizelimit\b",
        ),
    ),
    PhraseRule("mailbox-closed.fr", _R.MAILBOX_CLOSED, _french.CLOSED),
    PhraseRule(
        "mailbox-closed.en",
        _R.MAILBOX_CLOSED,
        (
            # "your account" and the "sender account" are the sender's own; a closed box offered
            # as one of two causes ("mailbox unknown or disabled", "... or the mailbox has been
            # disabled") is a hedge
            _NOT_AFTER_OR + _NOT_SENDERS + r"\b(account|mail ?box|user|recipient|e-?mail account)"
            r"( (?!or\b)\S+){0,5} (has been |was |is |been )?(now |currently |permanently |"
            r"temporarily )?(disabled|deactivated|"
            r"de-activated|inactive|suspended|locked|terminated|discontinued|frozen)\b",
            r"\b(mail ?box|account|health space|(secure )?messaging|inbox) (is |has been |was )?"
            r"(now )?closed\b",
            # the patient closed it: "has closed their Mon espace sante account" (not "your")
            r"\b(has|have|had) (now |permanently |voluntarily )?(closed|deactivated|deleted|"
            r"disabled|terminated) (their|his|her|its|the) ((?!sender)\S+ ){0,3}(account|"
            r"mail ?box|health space|messaging|inbox)\b",
            # an account or box that was deleted, removed, cancelled or retired (not a user or a
            # recipient: "your message to the recipient was deleted without being read")
            _NOT_AFTER_OR + _NOT_SENDERS + r"\b(account|mail ?box|e-?mail account)"
            r"( (?!or\b)\S+){0,3} (has been|have been|was|were|is) (now |permanently )?"
            r"(deleted|removed|cancell?ed|retired)\b",
            r"\binactive (user|account|mail ?box|recipient)",
            r"\b(disabled|suspended|deactivated|locked|closed|inactive|frozen) "
            r"(user|account|mail ?box|recipient)",
            r"\bno longer (active|in use)",
            # out of service: an account or box, not a host ("server no longer in service")
            r"\b(account|mail ?box|address|inbox) (is )?(now )?no longer in service\b",
            # an address alone (blanked to <address>) said to be suspended or disabled
            # (not the sender's: "Sender <address>", "Your account <address>")
            r"(?<!sender )(?<!sender: )(?<!account )<address>( \S+){0,2} (is|has been|was) "
            r"(now |currently |permanently |temporarily )?"
            r"(disabled|deactivated|suspended|inactive|locked|frozen)\b",
            # "not active" is "inactive"
            r"\b(user|account|mail ?box|recipient) (is )?not active\b",
            # an account that expired (not a message: "message expired" is a queue's time-out)
            _NOT_SENDERS + r"\b(account|mail ?box|user)( has| is| was)? expired\b",
            r"\bexpired (user|account|mail ?box)",
            r"\bnot an? active (user|account|mail ?box|recipient|address)",
            r"\bno longer (accepts?|receives?|accepting|receiving) (any )?"
            r"(e-?mails?|mail|messages?)",
        ),
    ),
    PhraseRule(
        "sender-rejected.en",
        _R.DELIVERY_FAILED,
        (
            r"\bsender (address|domain|mail ?box)\b",
            # the sender named by its address, or addressed as "your account"
            r"\bsender:? <address>",
            r"\byour (e-?mail )?account\b",
            r"\bdomain of sender",
            r"\b(mail from|envelope from|from address)\b.{0,40}"
            r"(rejected|invalid|unknown|not exist)",
            r"\badresse (de l'|d')?expediteur",
        ),
        diagnostic_only=True,
    ),
    PhraseRule(
        "recipient-filter",
        _R.DELIVERY_FAILED,
        (
            r"\brefused due to recipient preferences",
            r"\buser reject(s|ed)?\b",
            r"\b(user|recipient) (refuses? to receive|does not accept mail from)",
            r"\b(message )?rejected due to user rules",
            r"\brecipient is only accepting mail from",
            r"\bblocked by (the )?recipient",
            r"\bnot accepting (any )?mail from (you|this sender|your address)",
            r"\b(refuse|bloque|rejete) par le destinataire",
        ),
        diagnostic_only=True,
    ),
    PhraseRule(
        "not-found-or-forbidden",
        _R.DELIVERY_FAILED,
        (
            r"\b(n'existe (pas|plus)|does ?n[o']t exist|may not exist|might not exist)"
            r"[^.]{0,40}\b(ou|or)\b[^.]{0,60}\b(autorisee?s?|permission|permitted|allowed|"
            r"authori[sz]ed)\b",
        ),
    ),
    PhraseRule("recipient-not-found.fr", _R.RECIPIENT_NOT_FOUND, _french.NOT_FOUND),
    PhraseRule(
        "recipient-not-found.en",
        _R.RECIPIENT_NOT_FOUND,
        (
            r"\b(user|recipient|addressee|receiver|mail ?box|account) ?(name )?(is )?unknown",
            r"\bunknown or (illegal|invalid) (user|alias|address|recipient|mail ?box)",
            # one qualifier may come between ("unknown virtual user"), never the sender's or the
            # connecting client's
            r"\bunknown ((?!sender|from|return|reverse|client|host|ip|remote|source)[a-z-]+ )?"
            r"(user|recipient|address|mail ?box|"
            r"local[ -]?part|alias|e-?mail|account)",
            r"\bno such (user|mail ?box|recipient|address|account|person|local user|e-?mail)",
            r"\b(user|recipient|mail ?box|address|account|e-?mail)( \S+){0,5} (does not|doesn'?t|"
            r"does n't|did not|do not|not) exist",
            # a name may come between ("user jdupont was not found", "the user's e-mail name
            # is not found")
            r"(\b(user|recipient|receiver|patient|mail ?box|address|account)('s)?|<address>)"
            r"( \S+){0,2} (was |is )?not found",
            # the guide's causes in English: no health space or account for the patient, never
            # created, or its creation opposed
            r"\bno (\S+ ){0,3}(account|mail ?box|health space|patient|user|recipient)s? "
            r"(exists?|matches|was found|is found|corresponds?)\b",
            _NOT_SENDERS + r"\b(health space|account|mail ?box|espace sante|messaging)( \S+){0,2} "
            r"(has|have|had) (not|never) (yet )?been (created|opened|activated|set up)",
            r"(?<!not )(?<!never )\b(opposed|objected to|refused) (to )?(the )?(creation|opening|"
            r"activation) of (their|his|her|the|a|an) (\S+ ){0,2}(health space|account|mail ?box|"
            r"espace sante|messaging)\b",
            r"\bnon-?existent (local )?(user|recipient|mail ?box|address|account|e-?mail)",
            r"\bno (mail ?box|account|user|recipient)( here)? (by (that|this) name|found|"
            r"available for)",
            r"\bno one (at|by) (this|that) (address|name)",
            r"\b(bad-|invalid-)(recipient|user|mail ?box)",
            r"\bbad (recipient|user|mail ?box)\b",
            # the lists of unknown recipients of qmail's and others' RCPT checks
            r"\bbad ?(rcpt|recipient) ?to\b",
            r"\bnot in my valid ?rcpt ?to",
            # Exchange's codes: RESOLVER.ADR.RecipNotFound, ExRecipNotFound
            r"recip(ient)?notfound\b",
            # up to two qualifiers ("invalid final delivery userid"), never the sender's
            r"\binvalid ((?!sender|from|return|reverse)[a-z-]+ ){0,2}(recipient|mail ?box|address|"
            r"user ?(id|name)?|e-?mail|destination)\b",
            r"\b(recipient|mail ?box)( address)? (is )?invalid",
            r"\b(address|user|recipient|mail ?box) (is )?not present\b",
            r"\bnot (present|listed) in (the |our )?(\S+ )?(directory|name (&|and) address book)",
            r"\bnot a (valid|known) (mail ?box|user|recipient|address)",
            r"\bunr?oute?able address",
            r"\bno mail ?box (here )?by that name",
            r"\bcould ?n'?o?t be found",
            r"\b(is|was) not found (in|at|on)\b",
            r"\baddress (is )?(unknown|not recognized|no longer valid)",
            r"\baddresses (are |were )?unknown",
            r"\baddress is (wrong|incorrect|invalid) or no longer valid",
            r"\b(recipient|user|address)( name)? (is )?not recognized",
            r"\b(recipient|user|address)( name)? (is )?not known",
            r"\b(user|recipient) (doesn'?t|does not) have an? (\S+ )?account",
            r"\brecipient address rejected(?!:)(\.|$| \()",
            r"\bbad destination (mailbox )?address",
            r"\bisn'?t a valid",
            # Exchange Online directory-based edge blocking (5.4.1): the recipient is not in
            # the organisation's directory
            r"\brecipient address rejected: access denied",
        ),
    ),
    PhraseRule(
        "host-not-found.en",
        _R.RECIPIENT_NOT_FOUND,
        (
            r"\bhost (or domain name )?(not found|unknown)",
            r"\bhost \S+ not found",
            r"\b[a-z0-9-]+(\.[a-z0-9-]+)+ does not exist",
            r"\bdomain (name )?(is )?(not reachable|unreachable)",
            r"\bunknown (host|domain)",
            r"\bdomain (name )?(not found|does not exist|unknown|is invalid)",
            r"\bno such domain",
            r"\bunr?oute?able mail domain",
            r"\bname or service not known",
            r"\blookups? failed permanently",
            r"\bmx records? points? to non-?existent hosts?",
            r"\bcould ?n'?o?t find any host",
            # the destination's, not the connecting client's (HELO/EHLO)
            r"\b(invalid|illegal) (host/domain|domain) name\b(?! (in|for|from) (the )?(helo|ehlo))",
            r"\bdomain must exist",
            r"\bnxdomain",
            r"\bdomaine (inconnu|introuvable|inexistant)",
        ),
    ),
    PhraseRule(
        "other-failure.en",
        _R.DELIVERY_FAILED,
        (
            r"\bspam",
            r"\bblock(ed|list|ing)\b",
            r"\bblacklist",
            r"\bdenylist",
            r"\bpolicy\b",
            r"\brelay(ing)? (access )?(denied|not (permitted|allowed))",
            r"\bnot permitted to relay",
            r"\b(spf|dkim|dmarc)\b",
            r"\bvirus",
            r"\bmalware",
            r"\breverse (dns|lookup)",
            r"\bptr record",
            r"\bauthentication (required|failed)",
            r"\btoo many (connections|recipients|messages)",
            r"\brate limit",
            r"\bfiltered\b",
            r"\btimed? ?out\b",
            r"\bexpired\b",
            r"\bconnection (refused|timed out|reset)",
            r"\bnetwork (is )?unreachable",
            r"\breputation\b",
            r"\b(rejete|refuse|bloque) (par|pour)",
            r"\baccess denied",
            r"\bacces (refuse|interdit)",
            r"\bbanned\b",
        ),
        diagnostic_only=True,
    ),
    PhraseRule(
        # in a server's reply to the recipient, "does not exist" with no noun is about the
        # recipient ("RCPT <...> does not exist"); read last: the sender's (sender-rejected)
        # and a policy's ("reverse DNS entry does not exist": other-failure) come first
        "recipient-not-found.reply",
        _R.RECIPIENT_NOT_FOUND,
        (r"\bdoes ?n[o']?t exist\b",),
        diagnostic_only=True,
    ),
)

#: Statuses that say the recipient's address does not exist (RFC 3463): x.1.1 bad destination
#: mailbox, x.1.2 bad destination system. The other x.1.x codes say something else: x.1.3 bad
#: syntax, x.1.6 moved, x.1.7/x.1.8 the *sender*, x.1.10 a null MX (RFC 7505: the domain
#: accepts no mail at all; Exchange also uses it for unknown recipients, with words that say
#: so and that the phrase tables read).
NOT_FOUND_STATUSES: tuple[str, ...] = (".1.1", ".1.2")

#: Fallbacks read only when no phrase matched, in this order.
STATUS_RULES: tuple[StatusRule, ...] = (
    StatusRule("mailbox-disabled", _R.DELIVERY_FAILED, (".2.1",)),
    StatusRule("mailbox-full", _R.DELIVERY_FAILED, (".2.2",)),
    StatusRule("message-too-large", _R.MESSAGE_TOO_LARGE, (".2.3", ".3.4")),
    StatusRule("mailbox-moved", _R.DELIVERY_FAILED, (".1.6",)),
    StatusRule("recipient-not-found", _R.RECIPIENT_NOT_FOUND, NOT_FOUND_STATUSES),
)

#: Notices that say "your message was not delivered", in subjects or plain-text bodies.
NOTICE_RULE = PhraseRule(
    "bounce-notice",
    _R.DELIVERY_FAILED,
    (
        r"\bmessage non (distribue|remis|delivre)",
        r"\bnon (distribue|remis|delivre)\b",
        r"\bn'a pas pu etre (distribue|remis|delivre|achemine|transmis)",
        r"\bechec (de la |de |d')?(distribution|remise|livraison)",
        r"\bundeliver(ed|able)",
        r"\breturned (mail|to sender)",
        r"\bdelivery (status notification \(failure\)|failure|has failed|failed|problem)",
        r"\bmail delivery (failed|failure|subsystem|system)",
        r"\bfailure notice",
        r"\bnondeliverable|non-deliver(y|able)",
        r"\b(could ?n'?o?t|cannot|can ?not|can't|unable to) (be )?deliver(ed)?\b",
        r"\bne (peut|pouvait|pourra) (pas )?etre (distribue|remis|delivre|achemine|transmis)",
        r"\b(impossible de|n'avons pas pu) (distribuer|remettre|delivrer|transmettre|acheminer)",
        r"\b(distribution|remise|livraison) impossible",
        r"\bwas not delivered",
        r"\bnot (yet )?been (fully )?delivered",
        r"\b(can't|cannot|can not|unable to) send (this message |your message )?to\b",
        r"\bfailed mail\b",
        r"\bdelivery (to the following|notification|status notification)",
        r"\bpermanent (fatal )?error",
        r"\bwarning: (could not send|delayed)",
    ),
)

#: Notices (subject or plain text) that say delivery is late but still being tried.
DELAY_RULE = PhraseRule(
    "delivery-delayed",
    _R.DELIVERY_DELAYED,
    (
        r"\bdelayed mail\b",
        r"\bdelivery (has been |is )?delayed",
        r"\bstill being retried",
        r"\bwarning: message .{0,60} delayed",
        r"\b(remise|distribution) (du message )?(est )?retardee",
        r"\ben attente de (remise|distribution)",
        *_french.DELAY,
    ),
)

#: Subjects of automatic replies when no RFC 3834 header says so.
AUTO_REPLY_RULE = PhraseRule(
    "auto-reply-subject",
    _R.AUTO_REPLY,
    (
        r"^(re: ?)?(out of (the )?office|absence|absent|autoreply|auto-reply|automatic reply|"
        r"reponse automatique|message automatique|vacation|away from)",
        r"\b(auto(matic)? ?reply|out of (the )?office|reponse automatique|je suis absente?|"
        r"i am (currently )?(out|away))\b",
    ),
)

#: A professional's out-of-office text, read in the body when no header or subject says so:
#: the French model's, and the common English ones.
ABSENCE_RULE = PhraseRule(
    "absence-text",
    _R.AUTO_REPLY,
    (
        *_french.ABSENCE,
        r"\bi(?: am|'m) (?:currently |now )?(?:out of (?:the )?office|away from (?:the|my) "
        r"(?:office|desk)|on (?:vacation|holidays?|leave|annual leave|sick leave|parental leave))",
        r"\b(?:will|shall|'ll) (?:be )?(?:read|answer(?:ed)?|dealt with|handled|respond(?:ed)?"
        r"|reply) (?:to )?(?:\S+ ){0,3}(?:when|once|after) i (?:return|get back|am back)\b",
    ),
)

#: Subjects and texts of read receipts sent without MDN structure.
READ_NOTICE_RULE = PhraseRule(
    "read-notice",
    _R.READ_RECEIPT,
    (r"^(lu|read|lu ?:|read ?:) ?:", r"\b(your message|votre message) .{0,80}(was read|a ete lu)"),
)
