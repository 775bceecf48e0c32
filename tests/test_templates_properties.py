"""Property tests: arbitrary valid contexts render completely, wrapped, and escaped in HTML."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from typing import Any, Literal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mssc.headers import contains_fin_word
from mssc.templates import (
    TemplateContextError,
    french_date,
    french_datetime,
    names,
    render,
)
from mssc.templates._describe import describe

# Template syntax must never survive rendering. Values drawn here avoid these characters so that
# anything found comes from the template, not from the value.
SYNTAX = "${}%"
FORBIDDEN_CATEGORIES: tuple[Literal["Cc", "Cs", "Co", "Cn", "Zl", "Zp"], ...] = (
    "Cc",
    "Cs",
    "Co",
    "Cn",
    "Zl",
    "Zp",
)
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def _text(alphabet: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[str]:
    chars = alphabet or st.characters(
        blacklist_categories=FORBIDDEN_CATEGORIES, blacklist_characters=SYNTAX + BIDI
    )
    return (
        st.text(chars, min_size=1, max_size=60)
        .filter(lambda s: s.strip() != "")
        .filter(lambda s: not contains_fin_word(s))
    )


def _value(type_name: str, text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    if type_name == "text":
        return text
    if type_name == "list of text":
        return st.lists(text, max_size=4).map(tuple)
    if type_name == "date":
        return st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31))
    if type_name == "time":
        return st.times()
    if type_name == "yes/no":
        return st.booleans()
    if type_name == "integer":
        return st.integers(1, 20)
    if type_name == "phone":
        return st.sampled_from(["3422", "04 75 00 12 34", "+33 4 75 00 12 34", "0475001234"])
    if type_name == "url":
        return st.sampled_from(["https://example.org/", "http://a.example/x?y=1&z=2"])
    if "|" in type_name and "{" not in type_name:
        return st.sampled_from(type_name.split("|"))
    if type_name.startswith("list of {"):
        visit = st.fixed_dictionaries(
            {"date": st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31))},
            optional={"time": st.times(), "label": text},
        )
        return st.lists(visit, min_size=1, max_size=5).map(tuple)
    raise AssertionError(f"no strategy for {type_name}")


@st.composite
def contexts(draw: st.DrawFn, name: str, text: st.SearchStrategy[str]) -> dict[str, Any]:
    """An arbitrary context for template ``name``: each field random, optional ones maybe None."""
    data: dict[str, Any] = {}
    for field in describe(name).fields:
        value = _value(field.type, text)
        if field.required and field.type == "list of text":
            value = st.lists(text, min_size=1, max_size=4).map(tuple)
        if not field.required and field.type not in ("list of text", "yes/no", "integer"):
            value = st.none() | value
        data[field.name] = draw(value)
    return data


def _render_or_skip(name: str, data: dict[str, Any]) -> Any:
    try:
        return render(name, data)
    except TemplateContextError as exc:
        # Only the "one of these is required" rules may refuse a random context.
        if exc.code != "missing-field":
            raise
        assume(False)
        raise


class _BodyText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.in_body = False
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "body":
            self.in_body = True
        if tag in ("p", "li", "br"):
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if self.in_body:
            self.parts.append(data)


def _html_words(document: str) -> str:
    parser = _BodyText()
    parser.feed(document)
    return " ".join("".join(parser.parts).split())


def _text_words(text: str) -> str:
    lines = [line[4:] if line.startswith("  - ") else line for line in text.splitlines()]
    return " ".join(" ".join(lines).split())


NAMES = names()
settings_ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("name", NAMES)
@settings_
@given(data=st.data())
def test_arbitrary_contexts_render_without_leftovers(name: str, data: st.DataObject) -> None:
    context = data.draw(contexts(name, _text()))
    rendered = _render_or_skip(name, context)
    for part in (rendered.subject, rendered.text):
        assert not any(c in part for c in SYNTAX), part
    assert "\n" not in rendered.subject
    assert not contains_fin_word(rendered.subject)
    assert rendered.text.endswith("\n")
    # The HTML shows exactly the words of the text.
    assert _html_words(rendered.html) == _text_words(rendered.text)


# Markup and template syntax injected into every text value.
HOSTILE = st.sampled_from(
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "${salutation}",
        "{% if e %}x{% endif %}",
        "- pas une puce",
        "| pas une ligne",
        "&amp; &lt;",
        "Objet : faux",
    ]
)


@pytest.mark.parametrize("name", NAMES)
@settings_
@given(data=st.data())
def test_injected_markup_is_escaped_and_shown_literally(name: str, data: st.DataObject) -> None:
    context = data.draw(contexts(name, HOSTILE))
    rendered = _render_or_skip(name, context)
    parser = _BodyText()
    parser.feed(rendered.html)
    assert set(parser.tags) <= {"html", "head", "meta", "title", "body", "p", "br", "ul", "li", "a"}
    assert "<script" not in rendered.html
    assert "<img" not in rendered.html
    assert _html_words(rendered.html) == _text_words(rendered.text)
    # Values are inserted as opaque text: the establishment (always in the signature) is shown
    # exactly as given, whatever syntax it looks like.
    assert context["establishment"] in rendered.text.splitlines()


WORDS = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzéè"), min_size=1, max_size=12)
PLAIN = (
    st.lists(WORDS, min_size=1, max_size=40)
    .map(" ".join)
    .filter(lambda s: not contains_fin_word(s))
)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_lines_never_exceed_76_columns(name: str, data: st.DataObject) -> None:
    context = data.draw(contexts(name, PLAIN))
    for url in ("establishment_website", "portal_url", "survey_url"):
        if url in context:
            context[url] = None  # a URL is never cut, so it may be longer than a line
    if name == "questionnaire-satisfaction":
        context["attached"] = True
    rendered = _render_or_skip(name, context)
    for line in rendered.text.splitlines():
        assert len(line) <= 76, line


@given(st.dates())
def test_french_date_is_made_of_french_words(day: dt.date) -> None:
    text = french_date(day)
    weekday, number, month, year = text.split(" ")
    assert weekday in ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
    assert number == ("1er" if day.day == 1 else str(day.day))
    assert year == str(day.year)
    assert re.fullmatch(r"[a-zéû]+", month)


@given(st.dates(), st.times())
def test_french_datetime_format(day: dt.date, moment: dt.time) -> None:
    text = french_datetime(day, moment)
    assert text == f"{french_date(day)} à {moment.hour} h {moment.minute:02d}"
