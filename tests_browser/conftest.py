"""Serve the built book on 127.0.0.1 and open each page in headless Chromium, once per colour mode.

Every test in this directory is parametrised over the pages of ``_build/html`` and reads
from one :class:`Visit` per page, made the first time a test asks for it: the page is
loaded once, as a first-time reader sees it (light), checked, then switched to dark
mode as the theme's switch does and checked again (MathJax typesets once per page).

Environment:
``CHAINRULE_HTML``      the built site (default ``_build/html``);
``CHAINRULE_CHROMIUM``  the browser (default ``/usr/bin/chromium``, Debian's package);
``CHAINRULE_AXE``       ``axe.min.js`` of the npm package axe-core (the nox session sets it);
``CHAINRULE_SHOTS``     where screenshots go (default ``_build/screenshots``).
"""

from __future__ import annotations

import dataclasses
import functools
import http.server
import json
import os
import queue
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = Path(os.environ.get("CHAINRULE_HTML", ROOT / "_build" / "html")).resolve()
SHOTS = Path(os.environ.get("CHAINRULE_SHOTS", ROOT / "_build" / "screenshots")).resolve()
REPORT = SHOTS.parent / "browser-report.json"
CHROMIUM = os.environ.get("CHAINRULE_CHROMIUM", "/usr/bin/chromium")
AXE = os.environ.get("CHAINRULE_AXE", "")
# The flags the book's CI uses (Debian's Chromium, as root, no GPU, no phoning home).
# The resolver rule makes any other host unreachable even if a request slipped past the
# route below (e.g. one made by a web worker): nothing leaves the machine.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
VIEWPORT = {"width": 1280, "height": 900}
# Pages visited at once (one Chromium each): a renderer keeps a core busy.
WORKERS = int(os.environ.get("CHAINRULE_BROWSER_WORKERS", min(2, os.cpu_count() or 1)))
SKIP_DIRS = ("_static", "_sources", "_images", "_downloads")


def _pages() -> list[str]:
    if not HTML.is_dir():
        return []
    return sorted(
        p.relative_to(HTML).as_posix()
        for p in HTML.rglob("*.html")
        if not p.relative_to(HTML).parts[0] in SKIP_DIRS
    )


PAGES = _pages()


def page_id(page: str) -> str:
    """Test id of a page: its name without .html (``preface``, ``api``, ...)."""
    return page.removesuffix(".html")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise every test that takes ``page`` over the built pages."""
    if "page" in metafunc.fixturenames:
        metafunc.parametrize("page", PAGES, ids=[page_id(p) for p in PAGES])


PAGES_KEY = pytest.StashKey[list]()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Refuse to pass on an empty site; note which pages the selected tests need, in order."""
    if not PAGES:
        raise pytest.UsageError(f"No built pages in {HTML}: run `nox -s docs` first.")
    needed = [item.callspec.params["page"] for item in session.items if hasattr(item, "callspec")]
    session.config.stash[PAGES_KEY] = list(dict.fromkeys(p for p in needed if p in PAGES))


# --- what the page reports about itself (one evaluate per visit) -----------------

# Text that must not survive typesetting: display/inline delimiters, environments and
# TeX commands. Code (pre, code, .highlight) and typeset maths are skipped.
INSPECT_JS = r"""
async () => {
  const out = {};
  // Images: make lazy ones load, then wait until every image settled.
  const imgs = [...document.images];
  imgs.forEach(img => { img.loading = "eager"; });
  await Promise.all(imgs.map(img => img.decode().catch(() => null)));
  out.images = imgs.map(img => ({
    src: img.currentSrc || img.src, width: img.naturalWidth, complete: img.complete,
    alt: img.getAttribute("alt"),
  }));
  // Maths: every element MathJax was asked to process must hold a typeset container.
  const maths = [...document.querySelectorAll(".math")];
  out.math_nodes = maths.length;
  out.untypeset = maths.filter(el => !el.querySelector("mjx-container"))
    .map(el => el.textContent.trim().slice(0, 120));
  out.containers = document.querySelectorAll("mjx-container").length;
  out.merrors = [...document.querySelectorAll("mjx-merror, merror, [data-mjx-error]")]
    .map(el => (el.getAttribute("data-mjx-error") || el.textContent).slice(0, 160));
  const skip = "pre, code, script, style, textarea, mjx-container, .highlight, noscript";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
    acceptNode: n => (n.parentElement && n.parentElement.closest(skip))
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
  });
  const tex = /\$\$|\\\(|\\\)|\\\[|\\\]|\\begin\{|\\end\{|\\[A-Za-z]{2,}/;
  out.raw_tex = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const m = n.textContent.match(tex);
    if (m) {
      const i = Math.max(0, m.index - 40);
      out.raw_tex.push(n.textContent.slice(i, m.index + 60).replace(/\s+/g, " "));
    }
  }
  // Links and every id/name on the page (anchors of same-page links; JS may add ids).
  out.links = [...document.querySelectorAll("a[href]")]
    .map(a => ({href: a.href, raw: a.getAttribute("href"), text: a.textContent.trim().slice(0, 60)}));
  out.ids = [...document.querySelectorAll("[id], a[name]")].map(el => el.id || el.getAttribute("name"));
  out.theme = document.documentElement.dataset.theme;
  return out;
}
"""


@dataclasses.dataclass
class Mode:
    """The page in one colour mode: the theme it really showed, axe's findings, a screenshot."""

    theme: str | None = None
    axe: list[dict] = dataclasses.field(default_factory=list)
    screenshot: Path | None = None


@dataclasses.dataclass
class Visit:
    """What one page did: loaded as a first-time reader (light), then switched to dark."""

    page: str
    url: str
    requests: list[str] = dataclasses.field(default_factory=list)
    offsite: list[str] = dataclasses.field(default_factory=list)
    failed: list[str] = dataclasses.field(default_factory=list)
    console: list[str] = dataclasses.field(default_factory=list)
    typeset_ms: float | None = None
    visible_ms: float | None = None
    inspect: dict = dataclasses.field(default_factory=dict)
    modes: dict[str, Mode] = dataclasses.field(default_factory=dict)
    seconds: float = 0.0
    timings: dict[str, float] = dataclasses.field(default_factory=dict)


class Server(threading.Thread):
    """``http.server`` on 127.0.0.1 and a free port, serving the built site, in a thread."""

    def __init__(self, root: Path) -> None:
        super().__init__(daemon=True)

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

        handler = functools.partial(Quiet, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def run(self) -> None:
        """Serve until :meth:`stop`."""
        self.httpd.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        """Shut the server down and free the port."""
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def server():
    """The site, served on 127.0.0.1 for the whole session."""
    srv = Server(HTML)
    srv.start()
    yield srv
    srv.stop()


_VISITS: dict[str, Visit] = {}

# Rules whose result depends on colours: the only ones run again in dark mode (the
# whole rule set runs in light mode; the markup does not change with the theme).
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
# Colour rules skip the maths: axe cannot judge the contrast of MathJax's glyphs
# (CSS-generated content, reported "incomplete") and spends seconds trying.
AXE_RUN = """async ([rules, colour]) => {
  const context = colour ? {exclude: [["mjx-container"]]} : document;
  const options = colour
    ? {runOnly: rules}
    : {rules: Object.fromEntries(rules.map(r => [r, {enabled: false}]))};
  return (await axe.run(context, {...options, resultTypes: ["violations"]})).violations;
}"""
# When every maths element first holds its typeset output (what a reader waits for);
# MathJax's startup promise settles later, once the speech strings for screen readers
# (computed in a web worker) are attached.
VISIBLE_JS = """
window.__chainruleMathsVisible = null;
(function poll() {
  const n = document.querySelectorAll(".math").length;
  if (n && document.querySelectorAll(".math mjx-container").length === n) {
    window.__chainruleMathsVisible = performance.now();
  } else if (document.readyState !== "complete" || n) {
    setTimeout(poll, 20);
  }
})();
"""
# What pydata-sphinx-theme's theme switch does (data-mode, data-theme, the stored choice).
TO_DARK = """() => {
  localStorage.setItem("mode", "dark"); localStorage.setItem("theme", "dark");
  document.documentElement.dataset.mode = "dark"; document.documentElement.dataset.theme = "dark";
}"""


def _axe(tab, everything: bool) -> list[dict]:
    """Violations axe finds (all impacts) with the colour rules, and with ``everything`` of all the others."""
    result = tab.evaluate(AXE_RUN, [COLOUR_RULES, True])
    if everything:
        result += tab.evaluate(AXE_RUN, [COLOUR_RULES, False])
    return [
        {
            "id": r["id"], "impact": r["impact"], "help": r["help"],
            "nodes": [n["target"] for n in r["nodes"]][:8],
            "summary": [n.get("failureSummary", "") for n in r["nodes"]][:3],
        }
        for r in result
    ]


def _shoot(tab, v: Visit, mode: str) -> None:
    m = v.modes[mode] = Mode(theme=tab.evaluate("document.documentElement.dataset.theme"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    m.screenshot = SHOTS / f"{page_id(v.page).replace('/', '__')}-{mode}.png"
    t0 = time.perf_counter()
    tab.screenshot(path=str(m.screenshot), full_page=True)
    t1 = time.perf_counter()
    if AXE:
        if not tab.evaluate("typeof axe !== 'undefined'"):
            tab.add_script_tag(path=AXE)
        m.axe = _axe(tab, everything=mode == "light")
    v.timings[f"shot-{mode}"] = t1 - t0
    v.timings[f"axe-{mode}"] = time.perf_counter() - t1


def _visit(browser, server: Server, page: str) -> Visit:
    """Load ``page`` once (MathJax typesets once), check it light, then switch it to dark."""
    start = time.perf_counter()
    v = Visit(page=page, url=f"{server.origin}/{page}")
    host = urlsplit(server.origin).netloc
    # A first visit: nothing in localStorage, the system prefers light.
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light", reduced_motion="reduce")
    context.add_init_script(VISIBLE_JS)

    def route(r) -> None:
        url = r.request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).netloc == host:
            r.continue_()
        else:
            v.offsite.append(url)
            r.abort("blockedbyclient")

    context.route("**/*", route)
    context.on("request", lambda req: v.requests.append(req.url))
    context.on("requestfailed", lambda req: v.failed.append(f"{req.url} ({req.failure})"))

    def response(resp) -> None:
        if resp.status >= 400:
            v.failed.append(f"{resp.url} (HTTP {resp.status})")

    context.on("response", response)
    tab = context.new_page()
    tab.on("console", lambda m: m.type in ("error", "assert") and v.console.append(
        f"console.{m.type}: {m.text} at {m.location.get('url', '')}:{m.location.get('lineNumber', '')}"))
    tab.on("pageerror", lambda e: v.console.append(f"uncaught: {e}"))
    tab.on("worker", lambda w: w.on("console", lambda m: m.type == "error" and v.console.append(
        f"worker console.error: {m.text}")))
    tab.goto(v.url, wait_until="load")
    v.timings["load"] = time.perf_counter() - start
    # MathJax is loaded with defer; its startup promise settles when the first typeset is done.
    v.typeset_ms = tab.evaluate(
        """async () => {
          if (!window.MathJax || !MathJax.startup || !MathJax.startup.promise) return null;
          await MathJax.startup.promise;
          return performance.now();
        }"""
    )
    v.timings["typeset"] = time.perf_counter() - start - v.timings["load"]
    v.visible_ms = tab.evaluate("window.__chainruleMathsVisible")
    tab.wait_for_load_state("networkidle")
    v.inspect = tab.evaluate(INSPECT_JS)
    _shoot(tab, v, "light")
    tab.emulate_media(color_scheme="dark")
    tab.evaluate(TO_DARK)
    tab.wait_for_timeout(100)  # let the theme's transitions and repaint settle
    _shoot(tab, v, "dark")
    tab.wait_for_load_state("networkidle")
    context.close()
    v.seconds = time.perf_counter() - start
    return v


class Pool:
    """Visit pages in ``workers`` threads, each with its own Playwright and Chromium.

    MathJax, axe and screenshots keep one renderer process busy per page, so two pages
    at once use both cores of a two-core machine. Tests wait for the page they need.
    """

    def __init__(self, server: Server, pages: list[str], workers: int) -> None:
        self.server = server
        self.queue: queue.Queue[str] = queue.Queue()
        self.done = {page: threading.Event() for page in pages}
        self.errors: dict[str, BaseException] = {}
        for page in pages:
            self.queue.put(page)
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(workers)]
        for thread in self.threads:
            thread.start()

    def _work(self) -> None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            while True:
                try:
                    page = self.queue.get_nowait()
                except queue.Empty:
                    break
                try:
                    _VISITS[page] = _visit(chromium, self.server, page)
                except Exception as exc:  # noqa: BLE001 (re-raised in the tests of that page)
                    self.errors[page] = exc
                finally:
                    self.done[page].set()
            chromium.close()

    def get(self, page: str) -> Visit:
        """The visit of ``page``, waiting for a worker to finish it."""
        if not self.done[page].wait(timeout=900):
            pytest.fail(f"{page}: no visit after 900 s")
        if page in self.errors:
            raise self.errors[page]
        return _VISITS[page]


@pytest.fixture(scope="session")
def visit(request, server):
    """``visit(page)`` → the :class:`Visit` of that page (made once, then reused)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"No Chromium at {CHROMIUM}: `apt-get install chromium` (never `playwright install`).")
    pages = request.config.stash.get(PAGES_KEY, PAGES)
    pool = Pool(server, pages, workers=max(1, min(WORKERS, len(pages))))
    yield pool.get
    for thread in pool.threads:
        thread.join(timeout=60)


@pytest.fixture(scope="session")
def site_ids():
    """Ids (and a-names) of each built page, read from the files, for cross-page anchors."""
    import re

    cache: dict[Path, set[str]] = {}
    pattern = re.compile(r"""\s(?:id|name)=["']([^"']+)["']""")

    def ids(path: Path) -> set[str]:
        if path not in cache:
            cache[path] = set(pattern.findall(path.read_text(encoding="utf-8", errors="replace")))
        return cache[path]

    return ids


def _s(ms: float | None) -> str:
    return "-" if ms is None else f"{ms / 1000:.1f} s"


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Print one line per page and write _build/browser-report.json."""
    if not _VISITS:
        return
    tr = terminalreporter
    tr.section("pages in the browser")
    data = []
    for page, v in sorted(_VISITS.items()):
        insp = v.inspect
        axe = {mode: m.axe for mode, m in v.modes.items()}
        serious = sum(1 for found in axe.values() for a in found if a["impact"] in ("serious", "critical"))
        tr.write_line(
            f"{page_id(page):24s} requests={len(v.requests):3d} offsite={len(v.offsite)} "
            f"failed={len(v.failed)} maths={insp.get('containers', 0):4d} "
            f"maths visible/done={_s(v.visible_ms)}/{_s(v.typeset_ms)} "
            f"images={len(insp.get('images', [])):2d} "
            f"axe light/dark={len(axe.get('light', []))}/{len(axe.get('dark', []))} "
            f"(serious+critical {serious}) {v.seconds:5.1f} s "
            + " ".join(f"{k}={t:.1f}" for k, t in v.timings.items())
        )
        data.append({
            "page": page, "requests": len(v.requests), "offsite": v.offsite,
            "failed": v.failed, "console": v.console, "typeset_ms": v.typeset_ms, "visible_ms": v.visible_ms,
            "maths": insp.get("containers", 0), "images": len(insp.get("images", [])),
            "axe": axe, "seconds": round(v.seconds, 2),
            "screenshots": [str(m.screenshot) for m in v.modes.values() if m.screenshot],
        })
    total = sum(len(v.requests) for v in _VISITS.values())
    offsite = sum(len(v.offsite) for v in _VISITS.values())
    slowest = max(_VISITS.values(), key=lambda v: v.typeset_ms or 0)
    tr.write_line(
        f"{len(_VISITS)} pages, {total} requests, {offsite} to another host; heaviest maths: "
        f"{page_id(slowest.page)}, all typeset {_s(slowest.visible_ms)} and MathJax done "
        f"{_s(slowest.typeset_ms)} after navigation; screenshots in {SHOTS}"
    )
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(data, indent=1))
