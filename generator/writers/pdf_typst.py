"""The annex as a PDF laid out by Typst (`engine: typst` in brand.yaml): the fast engine.

The brand's `annex.typ` receives the annex as JSON data (writers/typst_data.py) and the
canonical JSON of its inputs as text, never as Typst source. Typst writes PDF/A-3a itself
(tagged, XMP identification, the attached `annex-data.json`, dates from the effective date);
the signature fields, which Typst cannot make, are added afterwards (signing/typst_fields.py)
at the boxes the template reports through `metadata` labelled `<signature-field>`, and the row
headers it cannot tag (typst_tags.py), in one incremental update (typst_finish.py).

Confinement: Typst's root is a private folder of links to the brand's files, the brand folder's
own first, then templates/default's (what `Brand.files` lists: real paths checked, links that
leave the folders left out), so a template reads what `Brand.find` would give and nothing
else; fonts come only from a second such folder holding the brand's font files and the
fallback fonts brand.yaml names (system and Typst's embedded fonts are off); packages are
refused before compiling (`@preview` imports would be downloaded from the network).
"""
from __future__ import annotations

import atexit
import datetime as dt
import json
import os
import re
import shutil
import tempfile
import threading
from functools import lru_cache
from pathlib import Path
from typing import Final, NamedTuple

import typst

from ..annex import Annex
from ..brand import Brand
from ..infra.diagnostics import InputError, error
from ..model.annex_data import ATTACHMENT_NAME
from . import typst_data, typst_finish, typst_tags

TEMPLATE = "annex.typ"
PDF_STANDARD: Final = "a-3a"

FIELD_LABEL = "<signature-field>"
# imports and includes must name a file of the brand, as a literal: a package (`@preview/...`) is
# fetched from the network, and a computed path could hide one; `eval` could build either
_STATEMENT = r"""(?:^|[#{;(\[])\s*(?:import|include)\s+"""
_REFUSED = [(re.compile(_STATEMENT + r"""\(?\s*["']\s*@""", re.M), "imports a Typst package"),
            (re.compile(_STATEMENT + r"""(?!["'])""", re.M), "imports a computed path (name a file as a literal)"),
            (re.compile(r"\beval\s*\("), "calls `eval`")]


def template_source(brand: Brand, name: str) -> Path:
    """A Typst template of the brand, checked for what it may not do (see _REFUSED); every
    .typ file of the brand is checked, since a template may include any of them."""
    path = brand.find(name)
    for root in brand.roots():
        for typ in sorted(root.rglob("*.typ")):
            text = typ.read_text(encoding="utf-8", errors="replace")
            for pattern, what in _REFUSED:
                found = pattern.search(text)
                if found:
                    line = text.count("\n", 0, found.start()) + 1
                    raise InputError([error(typ, f"the Typst template {what}", line=line,
                                            hint="templates may use only the files of their brand folder: "
                                                 "no packages, no network")])
    return path


_private: list[tuple[int, str]] = []  # (pid that made it, folder)


@atexit.register
def _remove_private_folders() -> None:
    """At exit, the folders this process made (a forked worker leaves its parent's alone)."""
    for pid, folder in _private:
        if pid == os.getpid():
            shutil.rmtree(folder, ignore_errors=True)


def _private_folder(what: str) -> str:
    folder = tempfile.mkdtemp(prefix=f"annex-typst-{what}-")
    _private.append((os.getpid(), folder))
    return folder


def _root_folder(brand: Brand) -> str:
    """Typst's root: the brand's files by their relative names (Brand.files), linked; its Typst
    sources copied (Typst wants its main file's real path inside the root)."""
    folder = str(Path(_private_folder("root")).resolve())
    for name, path in brand.files():
        target = Path(folder) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".typ":
            shutil.copyfile(path, target)
        else:
            target.symlink_to(path.resolve())
    return folder


def _font_folder(brand: Brand) -> str:
    """A private folder holding links to exactly the font files brand.yaml names (Typst takes
    font folders, and the fallback fonts' folders hold many other fonts)."""
    folder = _private_folder("fonts")
    config = brand.config
    files = [brand.find(rel) for rel in (config.fonts.files.model_dump().values() if config else ()) if rel]
    for i, path in enumerate([*files, *brand.system_fonts]):
        (Path(folder) / f"{i:02d}-{path.name}").symlink_to(path)
    return folder


class Compiled(NamedTuple):
    pdf: bytes
    boxes: list[dict]  # the signature boxes (`<signature-field>`)
    row_header_tables: list[int]  # the tables whose first column heads the rows (`<row-headers>`)
    continued_tables: list[int]  # the tables that go on the one before them (`<continues-table>`)


class Engine:
    """One Typst compiler per brand, template and process (fonts indexed once, the template
    checked and read once); compiles one document at a time."""

    def __init__(self, brand: Brand, name: str):
        self.path = template_source(brand, name)
        root = _root_folder(brand)
        fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False,
                            font_paths=[_font_folder(brand)])
        empty = _private_folder("packages")  # no local packages, no package cache
        self.compiler = typst.Compiler(input=str(Path(root) / name), root=root, font_paths=fonts,
                                       ignore_system_fonts=True, package_path=empty, package_cache_path=empty)
        self.lock = threading.Lock()

    def compile(self, inputs: dict[str, str], day: dt.datetime) -> Compiled:
        """The PDF and what its `<signature-field>`, `<row-headers>` and `<continues-table>` metadata hold (a query
        reads the document just compiled: no second layout)."""
        with self.lock:
            pdf = self.compiler.compile(sys_inputs=inputs, pdf_standards=PDF_STANDARD, timestamp=day)
            fields = json.loads(self.compiler.query(FIELD_LABEL, field="value"))
            tables = json.loads(self.compiler.query(typst_tags.LABEL, field="value"))
            continued = json.loads(self.compiler.query(typst_tags.CONTINUES, field="value"))
        assert isinstance(pdf, bytes)
        return Compiled(pdf, fields, [int(t) for t in tables], [int(t) for t in continued])


@lru_cache(maxsize=16)
def engine(brand: Brand, name: str) -> Engine:
    return Engine(brand, name)


def check(brand: Brand) -> None:
    """What a batch checks once: the template exists and may be used."""
    engine(brand, TEMPLATE)


def compile_template(brand: Brand, name: str, inputs: dict[str, str], day: dt.date) -> Compiled:
    """A brand's Typst template compiled with `inputs`; Typst errors become located InputErrors."""
    compiler = engine(brand, name)
    when = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    try:
        return compiler.compile(inputs, when)
    except (typst.TypstError, RuntimeError) as exc:
        hints = "; ".join(getattr(exc, "hints", None) or [])
        raise InputError([error(compiler.path, f"Typst template error: {getattr(exc, 'message', exc)}",
                                hint=hints or f"fix the template; see templates/default/{name}")]) from None


def render_template(annex: Annex, name: str, attachment: tuple[str, bytes, str], fields: bool = True,
                    **extra: object) -> bytes:
    """A brand Typst template compiled with the annex (and `extra`) as data, `attachment` (name,
    bytes, description) attached, finished (typst_finish.py); with `fields`, the empty signature
    fields at its boxes."""
    inputs = {"annex": typst_data.annex_data(annex, **extra), "data": attachment[1].decode("utf-8"),
              "attachment": attachment[0], "attachment_description": attachment[2]}
    done = compile_template(annex.brand, name, inputs, annex.stamp.effective_date)
    from ..signing.fields import field_labels
    boxes, labels = (done.boxes, field_labels(annex)) if fields else ([], {})
    return typst_finish.finish(done.pdf, boxes, labels, done.row_header_tables, done.continued_tables)


def render(annex: Annex) -> bytes:
    """The annex as PDF/A-3a bytes, laid out by Typst."""
    return render_template(annex, TEMPLATE, (ATTACHMENT_NAME, annex.embedded_json(),
                                             "Canonical JSON of the matrix, customer context and deviations "
                                             f"(SHA-256 {annex.stamp.fingerprint})"))
