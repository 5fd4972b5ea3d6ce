"""Keep a no-change rebuild of the book fast (the goal: under 3 s with nox).

A rebuild with nothing to do still starts Sphinx and its extensions, unpickles the
environment and every page's cached doctree (figure numbering walks them all), and
renders the pages written on every build (index, search). Measured with cProfile and
medians of repeated ``nox -s docs`` runs, five things cost far more than they need:

- **References into other documents.** A docutils node remembers its document.
  MyST's ``{eval-rst}`` parses into a throw-away document whose settings still hold
  the build environment; its nodes move into the page but keep pointing there, so
  api.doctree held a pickled copy of the whole environment (5 MB for 31 kB of text).
  sphinx-exercise keeps every exercise and solution node in the environment still
  attached to its page, so environment.pickle held each such page in full (5.3 MB,
  2.5 MB without). Here every node of a page is re-pointed at the page, and the
  registry keeps detached copies (sphinx-exercise later reads only their type, ids,
  labels, titles and children).
- **The garbage collector.** At Python's default threshold (a collection every 700 new
  objects) it walks the growing heap again and again while the stack is imported and
  the doctrees unpickled; fewer, larger generations save about half a second. This
  module is the first extension loaded, so the imports of the others benefit too.
- **Shutting down.** After the build, Python's finalisation ran full collections over
  the whole heap (the environment, the unpickled doctrees, every imported module)
  while tearing it down: about 0.9 s of a 3.5 s rebuild passed after Sphinx had
  finished. At exit every object is moved out of the collector's reach
  (:func:`gc.freeze`) first; objects are still freed as their references go, and
  nothing is left unwritten: Sphinx closes its files before it returns.
- **Template compilation.** Jinja compiles the theme's templates to Python on every
  build; a bytecode cache in the doctree directory (keyed on each template's source,
  so an edited template is recompiled) skips that.
- **Work whose inputs did not change.** With no page added, changed or removed, Sphinx
  still renumbers every figure (unpickling every page's doctree to walk it: about
  0.3 s) and renders the index and search pages again (the theme's navigation, built
  with BeautifulSoup and soupsieve's selector compiler: about 0.3 s). Figure numbers
  depend only on the pages, and those two pages only on the environment, the templates
  and the configuration; a changed template or configuration makes Sphinx rewrite every
  page. So when no page was read, removed or written, the numbers are kept and the
  two pages, if already there, are left as they are.
"""

from __future__ import annotations

import atexit
import gc
import weakref
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.environment import BuildEnvironment
from sphinx.environment.collectors.toctree import TocTreeCollector

gc.set_threshold(100_000, 20, 20)
# atexit runs before finalisation; a process that builds twice registers it once.
atexit.register(gc.freeze)


def own_document(app: Sphinx, doctree: nodes.document) -> None:
    """Point every node of a freshly read page at the page's own document."""
    for node in doctree.findall():
        if node._document is not None and node._document is not doctree:
            node.document = doctree


def detached(node: nodes.Element) -> nodes.Element:
    """A copy of ``node`` with no parent and no document, for keeping in the environment."""
    copy = node.deepcopy()
    for part in copy.findall():
        part._document = None
    return copy


def detach_exercises(app: Sphinx, env: BuildEnvironment) -> None:
    """Replace the nodes sphinx-exercise keeps in the environment by detached copies."""
    for entry in getattr(env, "sphinx_exercise_registry", {}).values():
        node = entry.get("node")
        if isinstance(node, nodes.Element) and (
            node.parent is not None or any(part._document is not None for part in node.findall())
        ):
            entry["node"] = detached(node)


def cache_templates(app: Sphinx) -> None:
    """Give the HTML builder's Jinja environment a bytecode cache beside the doctrees."""
    environment = getattr(getattr(app.builder, "templates", None), "environment", None)
    if environment is None:  # builders that render no templates
        return
    from jinja2 import FileSystemBytecodeCache

    directory = Path(app.doctreedir) / "jinja"
    directory.mkdir(parents=True, exist_ok=True)
    environment.bytecode_cache = FileSystemBytecodeCache(str(directory))


# Per environment, for the build under way: whether it removes a page (set first, by
# env-get-outdated), and then whether it reads or removes none (env-before-read-docs).
_REMOVES_PAGES: weakref.WeakKeyDictionary[BuildEnvironment, bool] = weakref.WeakKeyDictionary()
_NOTHING_READ: weakref.WeakSet[BuildEnvironment] = weakref.WeakSet()


def note_removed(app: Sphinx, env: BuildEnvironment, added, changed, removed) -> list[str]:
    """Record whether this build removes a page (the chapters after it are renumbered)."""
    _NOTHING_READ.discard(env)
    _REMOVES_PAGES[env] = bool(removed)
    return []


def note_read(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Record whether this build reads no page and removes none (``docnames`` is final)."""
    if not docnames and _REMOVES_PAGES.pop(env, True) is False:
        _NOTHING_READ.add(env)


_assign_figure_numbers = TocTreeCollector.assign_figure_numbers


def assign_figure_numbers(self: TocTreeCollector, env: BuildEnvironment) -> list[str]:
    """Sphinx's figure numbering, skipped when no page changed (its result is the old one)."""
    if env in _NOTHING_READ:
        return []
    return _assign_figure_numbers(self, env)


def keep_unchanged_pages(app: Sphinx) -> None:
    """Leave the index and search pages alone when no page was read, removed or written."""
    builder = app.builder
    if not isinstance(builder, StandaloneHTMLBuilder):
        return
    written: list[bool] = []
    prepare_writing, gen_indices, gen_additional_pages = (
        builder.prepare_writing, builder.gen_indices, builder.gen_additional_pages,
    )

    def unchanged(*pages: str) -> bool:
        return (
            builder.env in _NOTHING_READ
            and written == [False]
            and all((Path(builder.outdir) / f"{page}{builder.out_suffix}").is_file() for page in pages)
        )

    def note_writing(docnames) -> None:
        written.append(bool(docnames))
        prepare_writing(docnames)

    def indices() -> None:
        if not unchanged("genindex"):
            gen_indices()

    def additional_pages() -> None:
        if not unchanged("search", *builder.config.html_additional_pages):
            gen_additional_pages()

    builder.prepare_writing = note_writing
    builder.gen_indices = indices
    builder.gen_additional_pages = additional_pages


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("doctree-read", own_document)
    app.connect("env-updated", detach_exercises)
    app.connect("builder-inited", cache_templates)
    app.connect("env-get-outdated", note_removed)
    app.connect("env-before-read-docs", note_read)
    app.connect("builder-inited", keep_unchanged_pages)
    TocTreeCollector.assign_figure_numbers = assign_figure_numbers
    return {"parallel_read_safe": True, "parallel_write_safe": True}
