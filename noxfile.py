"""Sessions: docs, tests, doctest, lint (see README.md)."""

from __future__ import annotations

import os
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


def install(session: nox.Session, *groups: str) -> None:
    """Install the package (editable, so kernels import it) and dependency groups."""
    session.install("-e", ".")
    for group in groups:
        session.install(*nox.project.dependency_groups(PYPROJECT, group))


@nox.session(default=True)
def lint(session: nox.Session) -> None:
    """Ruff on the package, tests, configuration and code in the book."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", "src", "tests", "noxfile.py", "conf.py")


@nox.session(default=True)
def tests(session: nox.Session) -> None:
    """The pytest suite (pass extra pytest arguments after --)."""
    install(session, "test")
    session.run("pytest", *session.posargs, env=ENV)


@nox.session(default=True)
def doctest(session: nox.Session) -> None:
    """Docstring examples of the package and the {doctest} blocks of the book."""
    install(session, "test", "docs")
    session.run("pytest", "--doctest-modules", "src", "-p", "no:cacheprovider", env=ENV)
    session.run(
        "sphinx-build", "-b", "doctest", "-c", ".", "-n", "-W", "--keep-going",
        "-d", str(BUILD / "doctrees-doctest"), "docs", str(BUILD / "doctest"), env=ENV,
    )


@nox.session(default=True)
def docs(session: nox.Session) -> None:
    """Build the book strictly into _build/html; `nox -s docs -- --serve` rebuilds live."""
    install(session, "docs")
    serve = "--serve" in session.posargs
    args = ["-c", ".", "-n", "-W", "--keep-going", "-b", "html", "-d", str(BUILD / "doctrees")]
    if serve:
        session.install(*nox.project.dependency_groups(PYPROJECT, "serve"))
        session.run(
            "sphinx-autobuild", *args, "--watch", "src", "--port", "8000",
            "docs", str(BUILD / "html"), env=ENV,
        )
        return
    if "--fresh" in session.posargs or os.environ.get("CI"):
        # A strict build must see every warning: an incremental build does not
        # repeat the warnings of pages it does not re-read.
        shutil.rmtree(BUILD / "doctrees", ignore_errors=True)
    session.run("sphinx-build", *args, "docs", str(BUILD / "html"), env=ENV)
    session.log(f"The book is at {BUILD / 'html' / 'index.html'}")
