"""A brand: the template folder that decides how an annex looks (HTML/CSS, reference DOCX,
logo, fonts, colours, provider name).

`--templates DIR` names another folder of the same shape; any file it lacks is taken from
`templates/default/`. Brands come from designers outside the team, so a brand is checked
whole when it is loaded (`brand.yaml` against `BrandConfig`, every file it names), and every
file a writer reads goes through `Brand.find`, which never returns a path whose real location
(symlinks followed) leaves these two folders. The one exception is fallback fonts: read-only
system fonts under /usr/share/fonts (Debian's Noto packages), named one by one in brand.yaml.
"""
from __future__ import annotations

import hashlib
import stat
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .infra.diagnostics import Diagnostic, InputError, error
from .infra.yamlsource import load_yaml
from .readers.modelerrors import diagnostics_from

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATES = PROJECT_ROOT / "templates" / "default"
SYSTEM_FONTS = Path("/usr/share/fonts")  # where Debian's font packages put their files

MAX_BRAND_FILE = 32 * 1024 * 1024  # a brand file (font, logo, reference DOCX) is at most this
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".woff", ".woff2")
LOGO_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg")
HEX_COLOR = r"^#[0-9A-Fa-f]{6}$"
FONT_NAME = r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$"  # goes into CSS and DOCX attributes


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RoleColors(_Strict):
    background: str = Field(pattern=HEX_COLOR)
    text: str = Field(pattern=HEX_COLOR)
    border: Optional[str] = Field(None, pattern=HEX_COLOR, description="outline of a light badge")


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two #RRGGBB colours (1 to 21)."""
    def luminance(color: str) -> float:
        channels = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


MIN_TEXT_CONTRAST = 4.5  # WCAG AA for body text: every text/background pair an annex prints


class CalloutColors(_Strict):
    border: str = Field(pattern=HEX_COLOR, description="left rule and title")
    background: str = Field(pattern=HEX_COLOR)


_CALLOUT_DEFAULTS = {"note": ("#4A5560", "#F1F3F5"), "tip": ("#00695F", "#E6F4F2"), "info": ("#0B2E4F", "#E8F0F7"),
                     "warning": ("#7A4A00", "#FFF4D6"), "danger": ("#B3261E", "#FCEBEA"),
                     "caution": ("#8A3B00", "#FDEEE2")}


def _default_callouts() -> dict[str, CalloutColors]:
    return {kind: CalloutColors(border=b, background=bg) for kind, (b, bg) in _CALLOUT_DEFAULTS.items()}


def _default_roles() -> dict[str, RoleColors]:
    return {k: RoleColors(background="#DDDDDD", text="#000000") for k in "RACI"}


class Colors(_Strict):
    """Every colour an annex prints, as #RRGGBB (it goes into CSS and DOCX attributes)."""

    primary: str = Field("#0B2E4F", pattern=HEX_COLOR)
    accent: str = Field("#00857C", pattern=HEX_COLOR)
    text: str = Field("#1A1A1A", pattern=HEX_COLOR)
    muted: str = Field("#5F6B76", pattern=HEX_COLOR)
    table_header_text: str = Field("#FFFFFF", pattern=HEX_COLOR)
    row_alt: str = Field("#F3F6F9", pattern=HEX_COLOR)
    deviation: str = Field("#FFF4D6", pattern=HEX_COLOR)
    deviation_border: str = Field("#C77700", pattern=HEX_COLOR, description="left rule of a deviating row")
    deviation_text: str = Field("#8A5300", pattern=HEX_COLOR, description="the [Deviation N] mark")
    note: str = Field("#3A4550", pattern=HEX_COLOR, description="notes under a table")
    rule: str = Field("#D9DEE3", pattern=HEX_COLOR, description="lines between rows")
    box: str = Field("#8C96A0", pattern=HEX_COLOR, description="signature boxes and light outlines")
    watermark: str = Field("#B3261E", pattern=HEX_COLOR, description="the DRAFT watermark, drawn at 13% opacity")
    roles: dict[str, RoleColors] = Field(default_factory=_default_roles)
    callouts: dict[str, CalloutColors] = Field(default_factory=_default_callouts,
                                               description="per kind of callout: note, tip, info, warning...")
    quote: str = Field("#5F6B76", pattern=HEX_COLOR, description="the rule beside a quote")

    @field_validator("callouts")
    @classmethod
    def _kinds(cls, callouts: dict) -> dict:
        unknown = sorted(set(callouts) - set(_CALLOUT_DEFAULTS))
        if unknown:
            raise ValueError(f"unknown callout kind(s) {', '.join(unknown)}; kinds: {', '.join(_CALLOUT_DEFAULTS)}")
        return {**_default_callouts(), **callouts}

    @field_validator("roles")
    @classmethod
    def _raci(cls, roles: dict) -> dict:
        if set(roles) != set("RACI"):
            raise ValueError("give colours for exactly the four roles R, A, C and I")
        return roles

    def text_pairs(self) -> dict[str, tuple[str, str]]:
        """Every (text, background) pair an annex prints, by the keys that set it."""
        white = "#FFFFFF"
        pairs = {"text": (self.text, white), "muted": (self.muted, white),
                 "muted on row_alt": (self.muted, self.row_alt),
                 "primary": (self.primary, white), "accent": (self.accent, white), "note": (self.note, white),
                 "table_header_text on primary": (self.table_header_text, self.primary),
                 "text on deviation": (self.text, self.deviation), "text on row_alt": (self.text, self.row_alt),
                 "deviation_text on deviation": (self.deviation_text, self.deviation)}
        pairs.update({f"roles.{k}": (c.text, c.background) for k, c in sorted(self.roles.items())})
        pairs.update({f"callouts.{k} title": (c.border, c.background) for k, c in sorted(self.callouts.items())})
        pairs.update({f"text on callouts.{k}": (self.text, c.background) for k, c in sorted(self.callouts.items())})
        return pairs

    @model_validator(mode="after")
    def _readable(self) -> Colors:
        low = [f"{name} ({contrast(*pair):.1f}:1)" for name, pair in self.text_pairs().items()
               if contrast(*pair) < MIN_TEXT_CONTRAST]
        if low:
            raise ValueError(f"text colours below {MIN_TEXT_CONTRAST}:1 contrast: {', '.join(low)}; darken the "
                             "text or lighten its background")
        return self


class FontFiles(_Strict):
    regular: str
    bold: Optional[str] = None
    italic: Optional[str] = None
    bolditalic: Optional[str] = None


class FallbackFont(_Strict):
    """A font for the scripts the brand's own font lacks (Arabic, Hebrew, CJK...), from a
    Debian package: its files are named relative to /usr/share/fonts."""

    family: str = Field(pattern=FONT_NAME)
    regular: str
    bold: Optional[str] = None
    package: str = Field(pattern=r"^[a-z0-9][a-z0-9.+-]+$", description="the Debian package that ships it")


class Fonts(_Strict):
    family: str = Field("Liberation Sans", pattern=FONT_NAME)
    docx_family: str = Field("Arial", pattern=FONT_NAME)
    files: FontFiles
    fallback: list[FallbackFont] = Field(default_factory=list, max_length=8)


class BrandConfig(_Strict):
    """brand.yaml: validated whole before any annex is made with it."""

    name: str = Field(min_length=1, max_length=200, description="the provider, as printed")
    version: str = Field("1", max_length=40)
    logo: Optional[str] = None
    engine: Literal["weasyprint", "typst"] = Field(
        "weasyprint", description="what lays out the PDF: WeasyPrint from annex.html.j2 (the reference), or "
                                  "Typst from annex.typ (faster, same annex)")
    fonts: Fonts
    colors: Colors = Field(default_factory=Colors)

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


@dataclass(frozen=True)
class Brand:
    folder: Path
    fallback: Path
    data: dict = field(hash=False, compare=False)
    version: str = ""
    config: Optional[BrandConfig] = field(default=None, hash=False, compare=False)
    system_fonts: tuple[Path, ...] = ()  # the fallback font files, real paths

    @property
    def name(self) -> str:
        return self.data.get("name", "")

    @property
    def engine(self) -> str:
        """`weasyprint` (the reference) or `typst`: which PDF writer lays out this brand's annexes."""
        return self.config.engine if self.config else "weasyprint"

    def with_engine(self, engine: str) -> Brand:
        """The same brand (same files, same version, so the same fingerprint) laid out by another
        PDF engine: what the engines' parity tests and the benchmark compare."""
        assert self.config is not None
        return replace(self, config=self.config.model_copy(update={"engine": engine}))

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def roots(self) -> tuple[Path, ...]:
        return (self.folder,) if self.folder == self.fallback else (self.folder, self.fallback)

    def find(self, relative: str) -> Path:
        """The brand's file, else the default's; refuses any path whose real location leaves
        the folders, and anything but a regular file."""
        if PurePosixPath(relative).is_absolute() or ".." in PurePosixPath(relative).parts:
            raise InputError([error(relative, "template file path leaves the template folder",
                                    hint="name files inside the brand folder, without `..`")])
        for root in self.roots():
            candidate = (root / relative).resolve()
            if not candidate.is_relative_to(root):
                raise InputError([error(root / relative, f"is a link that leaves the template folder {root}",
                                        hint="copy the file into the brand folder instead of linking it")])
            if candidate.exists() and not _regular(candidate):
                raise InputError([error(root / relative, "is not a regular file", hint="name a plain file")])
            if candidate.exists():
                return candidate
        raise InputError([error(self.folder / relative, "template file not found in the brand folder nor in "
                                "templates/default", hint="add the file or restore templates/default")],
                         unreadable=True)

    def files(self) -> list[tuple[str, Path]]:
        """Every file that can shape an annex, brand first, by relative name (links that leave
        the folder are skipped: they are refused when used)."""
        seen: dict[str, Path] = {}
        for root in self.roots():
            for f in sorted(root.rglob("*")):
                if f.name.startswith(".") or not f.resolve().is_relative_to(root) or not _regular(f):
                    continue
                seen.setdefault(f.relative_to(root).as_posix(), f)
        return sorted(seen.items())


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def system_font(relative: str) -> Path:
    """A fallback font file under /usr/share/fonts (real path checked); raise if it is missing."""
    pure = PurePosixPath(relative)
    if pure.is_absolute() or ".." in pure.parts or pure.suffix.lower() not in FONT_SUFFIXES:
        raise ValueError(f"`{relative}` must be a font file named relative to {SYSTEM_FONTS}")
    path = (SYSTEM_FONTS / relative).resolve()
    if not path.is_relative_to(SYSTEM_FONTS.resolve()) or not _regular(path):
        raise FileNotFoundError(relative)
    return path


def _check_files(brand: Brand, config: BrandConfig, doc) -> tuple[list[Diagnostic], list[Path]]:
    """Every file brand.yaml names exists in the brand (or system fonts), is a regular file of
    the right kind and a sane size."""
    problems: list[Diagnostic] = []
    named: list[tuple[tuple, str, tuple[str, ...]]] = []
    if config.logo:
        named.append((("logo",), config.logo, LOGO_SUFFIXES))
    for style, rel in config.fonts.files.model_dump().items():
        if rel:
            named.append((("fonts", "files", style), rel, FONT_SUFFIXES))
    for loc, rel, suffixes in named:
        where = doc.where(loc)
        try:
            if PurePosixPath(rel).suffix.lower() not in suffixes:
                raise InputError([error(doc.path, f"`{rel}` is not a {' / '.join(suffixes)} file", line=where.line,
                                        column=where.column, field=".".join(loc))])
            path = brand.find(rel)
            if path.stat().st_size > MAX_BRAND_FILE:
                raise InputError([error(path, f"is over the limit of {MAX_BRAND_FILE:,} bytes")])
        except InputError as exc:
            problems += [error(doc.path, f"`{rel}`: {d.message}", line=where.line, column=where.column,
                               field=".".join(loc), hint=d.hint) for d in exc.diagnostics]
    system: list[Path] = []
    for i, font in enumerate(config.fonts.fallback):
        for key in ("regular", "bold"):
            rel = getattr(font, key)
            if not rel:
                continue
            try:
                system.append(system_font(rel))
            except (FileNotFoundError, ValueError) as exc:
                # a missing fallback font would change the bytes of every annex: refused, not skipped
                where = doc.where(("fonts", "fallback", i, key))
                missing = isinstance(exc, FileNotFoundError)
                problems.append(error(doc.path, f"fallback font `{font.family}` is not installed ({SYSTEM_FONTS}/{rel})"
                                      if missing else str(exc), line=where.line, column=where.column,
                                      field=f"fonts.fallback[{i}].{key}",
                                      hint=f"install it: apt-get install {font.package} (or run "
                                           "scripts/install-system-deps.sh as root)" if missing else ""))
    return problems, system


def _digest(brand: Brand, system: list[Path]) -> str:
    """The brand's version: a hash of every file that can shape an annex, fallback fonts too."""
    digest = hashlib.sha256()
    for name, path in brand.files():
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    for path in system:
        # a font's first 64 KiB hold its table directory, with a checksum of every table: that and
        # the size tell font versions apart without hashing 20 MB of CJK glyphs per process
        with open(path, "rb") as f:
            head = f.read(65536)
        digest.update(f"{path.relative_to(SYSTEM_FONTS.resolve()).as_posix()}\0{path.stat().st_size}\0".encode())
        digest.update(head)
    return digest.hexdigest()[:16]


@lru_cache(maxsize=16)
def load_brand(folder: str | Path | None = None) -> Brand:
    """The brand of `folder` (default: templates/default), checked whole; raise InputError."""
    fallback = DEFAULT_TEMPLATES.resolve()
    root = Path(folder).resolve() if folder else fallback
    if not root.is_dir():
        raise InputError([error(str(folder), "template folder not found",
                                hint="pass a folder shaped like templates/default")], unreadable=True)
    brand = Brand(root, fallback, {})
    doc = load_yaml(brand.find("brand.yaml"))
    if not isinstance(doc.data, dict):
        raise InputError([error(doc.path, "brand.yaml must be a mapping (name:, fonts:, colors:...)", line=1,
                                hint="see templates/default/brand.yaml")])
    try:
        config = BrandConfig.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(diagnostics_from(exc, doc, BrandConfig)) from None
    problems, system = _check_files(brand, config, doc)
    if problems:
        raise InputError(problems)
    return Brand(root, fallback, config.model_dump(), _digest(brand, system), config, tuple(system))
