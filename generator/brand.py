"""A brand: the template folder that decides how an annex looks (HTML/CSS, reference DOCX,
logo, fonts, colours, provider name).

`--templates DIR` names another folder of the same shape; any file it lacks is taken from
`templates/default/`. Every file a writer reads goes through `Brand.find`, which never
returns a path outside these two folders.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .diagnostics import InputError, error
from .yamlsource import load_yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATES = PROJECT_ROOT / "templates" / "default"


@dataclass(frozen=True)
class Brand:
    folder: Path
    fallback: Path
    data: dict = field(hash=False, compare=False)
    version: str = ""

    @property
    def name(self) -> str:
        return self.data.get("name", "")

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def roots(self) -> tuple[Path, ...]:
        return (self.folder,) if self.folder == self.fallback else (self.folder, self.fallback)

    def find(self, relative: str) -> Path:
        """The brand's file, else the default's; refuses any path that leaves the folders."""
        for root in self.roots():
            candidate = (root / relative).resolve()
            if not candidate.is_relative_to(root):
                raise InputError([error(relative, f"template file path leaves the template folder {root}",
                                        hint="name files inside the brand folder only")])
            if candidate.is_file():
                return candidate
        raise InputError([error(self.folder / relative, "template file not found in the brand folder nor in "
                                "templates/default", hint="add the file or restore templates/default")],
                         unreadable=True)

    def files(self) -> list[tuple[str, Path]]:
        """Every file that can shape an annex, brand first, by relative name."""
        seen: dict[str, Path] = {}
        for root in self.roots():
            for f in sorted(root.rglob("*")):
                if f.is_file() and not f.name.startswith("."):
                    seen.setdefault(f.relative_to(root).as_posix(), f)
        return sorted(seen.items())


@lru_cache(maxsize=16)
def load_brand(folder: str | Path | None = None) -> Brand:
    fallback = DEFAULT_TEMPLATES.resolve()
    root = Path(folder).resolve() if folder else fallback
    if not root.is_dir():
        raise InputError([error(str(folder), "template folder not found",
                                hint="pass a folder shaped like templates/default")], unreadable=True)
    brand = Brand(root, fallback, {})
    doc = load_yaml(brand.find("brand.yaml"))
    data = dict(doc.data or {})
    digest = hashlib.sha256()
    for name, path in brand.files():
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return Brand(root, fallback, data, digest.hexdigest()[:16])
