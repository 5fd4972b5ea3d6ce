"""Every page of the built book, as a reader's browser shows it (light and dark mode)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from conftest import AXE, HTML, page_id

# Console messages that are not errors of the book. Each entry needs a written reason;
# an entry that matches nothing is harmless, but keep the list short and true.
CONSOLE_ALLOWLIST: dict[str, str] = {}



def _report(page: str, what: str, problems: list[str]) -> str:
    return f"{page_id(page)}: {len(problems)} {what}:\n  " + "\n  ".join(problems)


def test_maths_typeset(page, visit):
    """Every equation is typeset by the site's own MathJax: no error node, no raw TeX left."""

    def check(v):
        insp = v.inspect
        if insp["math_nodes"]:
            if v.typeset_ms is None:
                yield "page has maths but MathJax never started"
            if insp["containers"] == 0:
                yield f"{insp['math_nodes']} maths elements, 0 mjx-container"
        yield from (f"not typeset: {t!r}" for t in insp["untypeset"])
        yield from (f"MathJax error: {t!r}" for t in insp["merrors"])
        yield from (f"raw TeX in the text: {t!r}" for t in insp["raw_tex"])

    problems = list(check(visit(page)))
    assert not problems, _report(page, "maths problems", problems)


def test_images_load(page, visit):
    """Every image is fetched and decoded (natural width > 0) and has alt text."""

    def check(v):
        for img in v.inspect["images"]:
            if not img["complete"] or img["width"] == 0:
                yield f"image not loaded: {img['src']}"
            if img["alt"] is None:
                yield f"image without alt attribute: {img['src']}"

    problems = list(check(visit(page)))
    assert not problems, _report(page, "image problems", problems)


def test_links_resolve(page, visit, server, site_ids):
    """Every link to the site itself names a file that exists, and its #anchor exists there."""
    v = visit(page)
    host = urlsplit(server.origin).netloc
    here = HTML / page
    problems, checked = [], 0
    for link in v.inspect["links"]:
        url = urlsplit(link["href"])
        if url.scheme in ("mailto", "javascript") or (url.scheme in ("http", "https") and url.netloc != host):
            continue
        checked += 1
        path = unquote(url.path).lstrip("/")
        target = HTML / path
        if path == "" or path.endswith("/"):
            target = target / "index.html"
        if not target.is_file():
            problems.append(f"{link['raw']!r} ({link['text']!r}): no file {target.relative_to(HTML)}")
            continue
        fragment = unquote(url.fragment)
        if not fragment or target.suffix != ".html":
            continue
        ids = set(v.inspect["ids"]) if target == here else site_ids(target)
        if fragment not in ids:
            problems.append(f"{link['raw']!r} ({link['text']!r}): no id {fragment!r} in {target.name}")
    assert not problems, _report(page, f"broken links of {checked} internal", problems)


def test_no_console_errors(page, visit):
    """No console error and no uncaught exception (allowlist entries carry a reason)."""
    problems = [m for m in visit(page).console if not any(re.search(p, m) for p in CONSOLE_ALLOWLIST)]
    assert not problems, _report(page, "console errors", problems)


def test_requests_stay_on_site(page, visit):
    """Nothing is requested from another host, and no request fails."""
    v = visit(page)
    problems = [f"off-site request: {u}" for u in v.offsite] + [f"failed: {f}" for f in v.failed]
    assert not problems, _report(page, "request problems", problems)


def test_accessibility(page, visit):
    """axe-core finds no violation of any impact (WCAG 2 A/AA rules and best practices)."""
    if not AXE or not Path(AXE).is_file():
        pytest.fail("CHAINRULE_AXE must name axe.min.js of the npm package axe-core (`nox -s browser` sets it)")

    problems = [
        f"[{mode}] {a['impact']} {a['id']}: {a['help']} at {a['nodes']} {a['summary'][:1]}"
        for mode, m in visit(page).modes.items()
        for a in m.axe
    ]
    assert not problems, _report(page, "accessibility violations", problems)


def test_screenshots(page, visit):
    """A full-page screenshot per mode is kept, taken with that colour theme really applied."""
    problems = []
    for mode in ("light", "dark"):
        m = visit(page).modes.get(mode)
        if m is None or not m.screenshot or not m.screenshot.is_file() or m.screenshot.stat().st_size == 0:
            problems.append(f"[{mode}] no screenshot")
        elif m.theme != mode:
            problems.append(f"[{mode}] page rendered with data-theme={m.theme!r}")
    assert not problems, _report(page, "screenshot problems", problems)


# Markup that makes a browser fetch something: scripts, stylesheets, icons, images,
# media and frames, and url(...) in stylesheets. A link (<a href>) to a paper is fine.
FETCHING = re.compile(
    r"""<(?:script|img|iframe|source|video|audio|embed)\b[^>]*\bsrc=["']([^"']+)"""
    r"""|<link\b[^>]*\bhref=["']([^"']+)|url\(\s*["']?([^"')]+)""",
    re.IGNORECASE,
)


def test_site_fetches_nothing_from_another_host():
    """No built page or stylesheet names an asset on another host (no CDN, no web font service)."""
    offenders = []
    files = [*HTML.rglob("*.html"), *HTML.rglob("*.css")]
    for path in files:
        for match in FETCHING.finditer(path.read_text(encoding="utf-8", errors="replace")):
            url = next(g for g in match.groups() if g)
            if re.match(r"(?i)(https?:)?//", url):
                offenders.append(f"{path.relative_to(HTML)}: {url}")
    assert files
    assert not offenders, f"{len(offenders)} assets from other hosts:\n  " + "\n  ".join(sorted(set(offenders))[:40])
