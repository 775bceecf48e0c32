"""The conformance report as one self-contained HTML page: a pure function of the report value.

The page needs no network and no other file: the style and the small script are inline, and a
Content-Security-Policy allows exactly those two (by hash) and nothing else, so even a value
that escaped escaping could not load or run anything. Every value from a message (file names,
subjects, Message-IDs, evidence) goes through :func:`html.escape` with ``quote=True``.

Large batches stay usable: each message is a closed ``<details>`` element, failing messages
come first, then passing messages with warnings or notes, then the others; the findings are
also grouped by rule, with links to the messages.

>>> import datetime as dt
>>> from mssc.conformance import build_report, check, message_entry
>>> report = build_report(
...     [message_entry("<b>.eml", check(b"Subject: x\\r\\n\\r\\n"))],
...     generated_at=dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc))
>>> page = report_html(report)
>>> "&lt;b&gt;.eml" in page and "<b>.eml" not in page
True
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections import defaultdict
from typing import Final

from mssc.conformance._report import ConformanceReport, MessageEntry, SeverityCounts

__all__ = ["report_html"]

#: At most this many message links are listed under each rule (the rest are counted).
_LINKS_PER_RULE: Final = 500

_CSS: Final = """
:root{--err:#b00020;--warn:#8a5a00;--info:#1f5fa8;--ok:#1b7a3a;--line:#d8dbe0;--bg:#f6f7f9}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1c1e21}
header,main{max-width:1180px;margin:0 auto;padding:0 24px}
header{padding-top:20px;border-bottom:1px solid var(--line)}
h1{font-size:24px;margin:0 0 8px}h2{font-size:19px;margin:28px 0 10px}
dl.meta{display:flex;flex-wrap:wrap;gap:4px 24px;margin:0 0 14px}
dl.meta div{display:flex;gap:6px}dl.meta dt{color:#5f6368}dl.meta dd{margin:0;font-weight:600}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}
th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.totals td,.totals th{text-align:center}.totals td{font-size:22px;font-weight:600}
.sev{font-weight:700;text-transform:uppercase;font-size:12px}
.error{color:var(--err)}.warning{color:var(--warn)}.info{color:var(--info)}.pass{color:var(--ok)}
details{border:1px solid var(--line);border-radius:6px;margin:6px 0;background:#fff}
details>summary{cursor:pointer;padding:6px 10px;list-style-position:inside}
details[open]>summary{border-bottom:1px solid var(--line);background:var(--bg)}
details>.body{padding:6px 12px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px;
word-break:break-all}
.verdict{display:inline-block;min-width:44px;font-weight:700}
.subject{color:#3c4043}.muted{color:#5f6368}
.toolbar{display:flex;gap:8px;align-items:center;margin:8px 0}
.toolbar input{flex:1;padding:6px 8px;font:inherit;border:1px solid var(--line);border-radius:4px}
.toolbar button{font:inherit;padding:5px 10px}
ul.links{columns:3;margin:4px 0;padding-left:18px}
footer{max-width:1180px;margin:30px auto;padding:0 24px;color:#5f6368;font-size:13px}
""".strip()

_JS: Final = """
(function(){
document.documentElement.setAttribute('data-script','ran');
var f=document.getElementById('filter');
var items=Array.prototype.slice.call(document.querySelectorAll('details.message'));
f.addEventListener('input',function(){var q=f.value.toLowerCase();
items.forEach(function(d){d.hidden=q!==''&&d.textContent.toLowerCase().indexOf(q)<0;});});
function all(open){items.forEach(function(d){if(!d.hidden){d.open=open;}});}
document.getElementById('expand').addEventListener('click',function(){all(true);});
document.getElementById('collapse').addEventListener('click',function(){all(false);});
function reveal(){var d=document.getElementById(location.hash.slice(1));
if(d&&d.tagName==='DETAILS'){d.open=true;d.scrollIntoView();}}
window.addEventListener('hashchange',reveal);reveal();
})();
""".strip()


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


_CSP: Final = (
    f"default-src 'none'; style-src {_hash(_CSS)}; script-src {_hash(_JS)}; "
    "img-src 'none'; base-uri 'none'; form-action 'none'"
)


def _e(value: object) -> str:
    """Escape a value for HTML text or a double-quoted attribute."""
    return html.escape(str(value), quote=True)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 or word == 'info' else 's'}"


def _counts_text(c: SeverityCounts) -> str:
    return ", ".join(
        (_plural(c.error, "error"), _plural(c.warning, "warning"), _plural(c.info, "info"))
    )


def _message(index: int, entry: MessageEntry) -> list[str]:
    verdict, klass = ("PASS", "pass") if entry.ok else ("FAIL", "error")
    subject = f' <span class="subject">— {_e(entry.subject)}</span>' if entry.subject else ""
    status = (
        f"unreadable: {_e(entry.unreadable)}"
        if entry.unreadable is not None
        else _e(_counts_text(entry.counts))
    )
    out = [
        f'<details class="message" id="m-{index}" data-ok="{str(entry.ok).lower()}">',
        f'<summary><span class="verdict {klass}">{verdict}</span> '
        f'<code class="source">{_e(entry.source)}</code>{subject} '
        f'<span class="muted">({status})</span></summary>',
        '<div class="body">',
    ]
    if entry.unreadable is None:
        direction = entry.direction.value if entry.direction is not None else ""
        out.append(
            f'<p class="muted">Message-ID <code>{_e(entry.message_id or "(none)")}</code> · '
            f"{entry.size:,} octets · {_e(direction)}</p>"
        )
    if entry.findings:
        out += [
            '<table class="findings"><thead><tr><th>severity</th><th>rule</th>'
            "<th>requirement</th><th>location</th><th>evidence</th><th>hint</th></tr></thead>"
            "<tbody>"
        ]
        for f in entry.findings:
            out.append(
                f'<tr data-code="{_e(f.code)}"><td class="sev {_e(f.severity.value)}">'
                f"{_e(f.severity.value)}</td>"
                f'<td><a href="#rule-{_e(f.code)}">{_e(f.code)}</a> {_e(f.rule)}</td>'
                f"<td><code>{_e(f.reference)}</code></td>"
                f'<td class="mono">{_e(f.where or "message")}</td>'
                f"<td>{_e(f.evidence)}</td><td>{_e(f.hint)}</td></tr>"
            )
        out.append("</tbody></table>")
    elif entry.unreadable is None:
        out.append("<p>No finding.</p>")
    out += ["</div>", "</details>"]
    return out


def _summary(report: ConformanceReport) -> list[str]:
    s = report.summary
    cells = (
        ("messages", s.messages),
        ("passed", s.passed),
        ("failed", s.failed),
        ("unreadable", s.unreadable),
        ("errors", s.counts.error),
        ("warnings", s.counts.warning),
        ("info", s.counts.info),
    )
    out = [
        '<section id="summary"><h2>Summary</h2>',
        '<table class="totals"><thead><tr>',
        *(f"<th>{name}</th>" for name, _ in cells),
        "</tr></thead><tbody><tr>",
        *(f'<td data-count="{name}">{value}</td>' for name, value in cells),
        "</tr></tbody></table>",
        "<h3>Per rule</h3>",
    ]
    if not s.rules:
        out.append("<p>No rule was triggered.</p>")
    else:
        out.append(
            '<table id="rules"><thead><tr><th>rule</th><th>severity</th><th>requirement</th>'
            '<th>title</th><th class="n">messages</th><th class="n">findings</th></tr></thead>'
            "<tbody>"
        )
        for r in s.rules:
            out.append(
                f'<tr data-code="{_e(r.code)}"><td><a href="#rule-{_e(r.code)}">{_e(r.code)}</a>'
                f'</td><td class="sev {_e(r.severity.value)}">{_e(r.severity.value)}</td>'
                f"<td><code>{_e(r.reference)}</code></td><td>{_e(r.rule)}</td>"
                f'<td class="n" data-messages="{r.messages}">{r.messages}</td>'
                f'<td class="n" data-findings="{r.findings}">{r.findings}</td></tr>'
            )
        out.append("</tbody></table>")
    out.append("</section>")
    return out


def _by_rule(report: ConformanceReport) -> list[str]:
    where: dict[str, list[int]] = defaultdict(list)
    for i, entry in enumerate(report.messages):
        for code in dict.fromkeys(f.code for f in entry.findings):
            where[code].append(i)
    out = ['<section id="by-rule"><h2>Findings by rule</h2>']
    for r in report.summary.rules:
        positions = where[r.code]
        out.append(
            f'<details id="rule-{_e(r.code)}"><summary><span class="sev {_e(r.severity.value)}">'
            f"{_e(r.severity.value)}</span> <b>{_e(r.code)}</b> {_e(r.rule)} "
            f'<span class="muted">[{_e(r.reference)}] — {_plural(r.messages, "message")}'
            '</span></summary><div class="body"><ul class="links">'
        )
        for i in positions[:_LINKS_PER_RULE]:
            source = report.messages[i].source
            out.append(f'<li><a href="#m-{i}">{_e(source)}</a></li>')
        out.append("</ul>")
        if len(positions) > _LINKS_PER_RULE:
            more = len(positions) - _LINKS_PER_RULE
            out.append(f'<p class="muted">and {more} more (use the filter below)</p>')
        out.append("</div></details>")
    out.append("</section>")
    return out


def report_html(report: ConformanceReport) -> str:
    """Return the report as one self-contained HTML document (UTF-8 text).

    The page shows the mssc version, the rule-catalogue version and the date; a summary
    (messages, passed, failed, errors, warnings and info, and the count per rule); the findings
    grouped by rule; and each message with its findings (rule, requirement, location, evidence,
    hint), failing messages first. Machine-readable hooks for tests and tools: the summary cells
    carry ``data-count`` and each message is a ``details.message`` with ``data-ok``.
    """
    failing = [i for i, e in enumerate(report.messages) if not e.ok]
    noisy = [i for i, e in enumerate(report.messages) if e.ok and e.findings]
    clean = [i for i, e in enumerate(report.messages) if e.ok and not e.findings]
    mode = "strict (warnings fail)" if report.strict else "normal (errors fail)"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(_CSP)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="mssc">',
        "<title>mssc conformance report</title>",
        f"<style>{_CSS}</style></head><body>",
        '<header><h1>MSS-C conformance report</h1><dl class="meta">',
        f'<div><dt>mssc</dt><dd id="mssc-version">{_e(report.mssc_version)}</dd></div>',
        f'<div><dt>rule catalogue</dt><dd id="catalogue-version">'
        f"{_e(report.catalogue_version)}</dd></div>",
        f'<div><dt>date</dt><dd id="generated-at">'
        f"{_e(report.generated_at.isoformat(timespec='seconds'))}</dd></div>",
        f'<div><dt>mode</dt><dd id="mode">{_e(mode)}</dd></div>',
        "</dl></header><main>",
        *_summary(report),
        *_by_rule(report),
        '<section id="messages"><h2>Messages</h2>',
        '<div class="toolbar"><input id="filter" type="search" '
        'placeholder="Filter by file, subject, code or text" aria-label="filter messages">'
        '<button id="expand" type="button">Expand all</button>'
        '<button id="collapse" type="button">Collapse all</button></div>',
    ]
    groups = (("Failing", failing), ("Passing with findings", noisy), ("Passing", clean))
    for title, group in groups:
        if group:
            out.append(f"<h3>{title} ({len(group)})</h3>")
            for i in group:
                out += _message(i, report.messages[i])
    out += [
        "</section></main>",
        "<footer>Generated by mssc. Each finding cites the requirement it comes from: "
        "Référentiel socle MSSanté #2 (<code>ECO.*</code>), Ségur (<code>SEGUR-*</code>), "
        "RFCs (<code>RFC*</code>) or Mon espace santé behaviour (<code>MES-*</code>).</footer>",
        f"<script>{_JS}</script>",
        "</body></html>",
        "",
    ]
    return "\n".join(out)
