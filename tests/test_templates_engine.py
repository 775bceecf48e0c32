"""The template language: layout from the template, values opaque, strict syntax."""

from __future__ import annotations

import pytest

from mssc.templates._engine import (
    Block,
    Kind,
    TemplateSyntaxError,
    parse_template,
    render_parsed,
    to_html,
    to_text,
)
from mssc.templates._french import delay_phrase, french_time


def _render(body: str, **values: str | bool | tuple[str, ...]) -> tuple[str, tuple[Block, ...]]:
    return render_parsed(parse_template(f"Objet : S\n\n{body}"), values)


def test_blocks_come_from_the_template_layout() -> None:
    body = "Un\ndeux.\n\n- ${a}\n- ${b}\n\n| ${c}\n| fixe\n"
    _subject, blocks = _render(body, a="x", b="y", c="z")
    assert blocks == (
        Block("paragraph", ("Un deux.",)),
        Block("list", ("x", "y")),
        Block("lines", ("z", "fixe")),
    )


@pytest.mark.parametrize(
    "value", ["- pas une puce", "| pas une ligne", "${a}", "{% if a %}", "Objet : x"]
)
def test_values_never_change_the_layout(value: str) -> None:
    _subject, blocks = _render("${v}\n", v=value)
    assert blocks == (Block("paragraph", (value,)),)


def test_standalone_tags_remove_their_line() -> None:
    body = "Avant\n{% if flag %}\nDedans\n{% endif %}\nApres\n"
    assert _render(body, flag=True)[1] == (Block("paragraph", ("Avant Dedans Apres",)),)
    assert _render(body, flag=False)[1] == (Block("paragraph", ("Avant Apres",)),)


@pytest.mark.parametrize(
    ("value", "negate", "shown"),
    [("", False, "non"), ("x", False, "oui"), ((), False, "non"), (("a",), True, "non")],
)
def test_if_else_on_texts_lists_and_not(
    value: str | tuple[str, ...], negate: bool, shown: str
) -> None:
    tag = "if not v" if negate else "if v"
    _subject, blocks = _render(f"{{% {tag} %}}oui{{% else %}}non{{% endif %}}\n", v=value)
    assert blocks == (Block("paragraph", (shown,)),)


def test_for_loop_binds_the_item_and_keeps_outer_names() -> None:
    body = "{% for x in items %}\n- ${x} (${who})\n{% endfor %}\n"
    _subject, blocks = _render(body, items=("a", "b"), who="moi")
    assert blocks == (Block("list", ("a (moi)", "b (moi)")),)


def test_dollar_dollar_is_a_literal_dollar() -> None:
    assert _render("Prix : 5 $$\n")[1] == (Block("paragraph", ("Prix : 5 $",)),)


def test_uses_reports_kinds_and_ignores_loop_variables() -> None:
    parsed = parse_template(
        "Objet : ${a}\n\n{% if b %}${c}{% endif %}\n{% for x in d %}- ${x}\n{% endfor %}\n"
    )
    assert parsed.uses() == {"a": {Kind.TEXT}, "b": {Kind.FLAG}, "c": {Kind.TEXT}, "d": {Kind.LIST}}
    assert parsed.subject_variables() == {"a"}


def test_include_inserts_a_part() -> None:
    parsed = parse_template("Objet : S\n\nA\n\n{% include sig %}\n", {"sig": "| ${n}\n"})
    assert render_parsed(parsed, {"n": "Hôpital"})[1][-1] == Block("lines", ("Hôpital",))


def test_include_depth_is_limited() -> None:
    with pytest.raises(TemplateSyntaxError, match="deeply"):
        parse_template("Objet : S\n\n{% include a %}\n", {"a": "{% include a %}\n"})


def test_crlf_sources_are_accepted() -> None:
    assert _render("A\r\nB\r\n")[1] == (Block("paragraph", ("A B",)),)


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("appelez le 04 75 00 12 34 pour", "04 75 00 12 34"),
        ("appelez le +33 4 75 00 12 34 pour", "+33 4 75 00 12 34"),
        ("le mardi 3 mars 2026 à 14 h 30 dans", "3 mars 2026 à 14 h 30"),
        ("au 12 avenue des Tilleuls", "12 avenue"),
        (
            "https://example.org/un/chemin/tres/long?x=1",
            "https://example.org/un/chemin/tres/long?x=1",
        ),
    ],
)
def test_wrapping_never_splits_numbers_dates_or_urls(text: str, kept: str) -> None:
    for pad in range(0, 70, 3):
        rendered = to_text([Block("paragraph", ("x" * pad + " " + text,))])
        assert any(kept in line for line in rendered.splitlines()), rendered


def test_french_punctuation_stays_on_its_line() -> None:
    for pad in range(76):
        lines = to_text([Block("paragraph", ("m " * pad + "question ? oui : non",))]).splitlines()
        assert not any(line.startswith(("?", ":")) for line in lines)


def test_html_escapes_and_links_urls() -> None:
    blocks = (
        Block("paragraph", ('<b>"x" & y</b> https://a.example/?q=1&r=2.',)),
        Block("list", ("<i>",)),
        Block("lines", ("a", "<b>")),
    )
    html = to_html("<S>", blocks)
    assert "<title>&lt;S&gt;</title>" in html
    assert "<p>&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt; " in html
    assert '<a href="https://a.example/?q=1&amp;r=2">https://a.example/?q=1&amp;r=2</a>.' in html
    assert "<ul>\n<li>&lt;i&gt;</li>\n</ul>" in html
    assert "<p>a<br>\n&lt;b&gt;</p>" in html


@pytest.mark.parametrize(
    ("hour", "minute", "shown"), [(14, 30, "14 h 30"), (9, 5, "9 h 05"), (0, 0, "0 h 00")]
)
def test_french_time(hour: int, minute: int, shown: str) -> None:
    import datetime as dt

    assert french_time(dt.time(hour, minute)) == shown


def test_negative_delay_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        delay_phrase(-1)
