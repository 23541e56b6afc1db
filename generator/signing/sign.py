"""PAdES signing of an annex's signature fields, with pyHanko.

Baseline B-B by default (SHA-256, the signer's certificate and its chain embedded), B-T with a
time-stamping authority, B-LT with validation data in the document security store. Each
signature is an incremental update, so the unsigned annex (and its fingerprint, its embedded
`annex-data.json`) stays a byte prefix of the signed file. The first signature certifies the
document (DocMDP) while still allowing form filling and signing, so that the other party can
sign its own field later without breaking it. The passphrase is read from the environment or
a file, never from the command line, and is never printed.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from ..infra.atomic import write_atomic
from ..infra.diagnostics import InputError, error
from ..infra.yamlsource import read_bytes
from ..model.limits import MAX_KEY_BYTES, MAX_PASSPHRASE_BYTES, MAX_PDF_BYTES
from ..readers.pdf_file import open_pdf, unreadable

PASSPHRASE_ENV = "ANNEX_P12_PASSPHRASE"
SYSTEM_ROOTS = Path("/etc/ssl/certs/ca-certificates.crt")
FONT = "fonts/LiberationSans-Regular.ttf"  # embedded in the appearance: PDF/A wants every font embedded
STAMP_CHARS = " 0123456789-:.ACDEGIKMNOPRSTUWZabcdefghijklmnopqrstuvwxyz+"  # dates and time-zone names


@dataclass(frozen=True)
class SignOptions:
    field: Optional[str] = None  # default: the last party's field still empty
    reason: Optional[str] = None
    location: Optional[str] = None
    timestamp_url: Optional[str] = None  # B-T
    ltv: bool = False  # B-LT
    timestamper: object = None  # a pyHanko TimeStamper, for callers that have one (tests)


def read_passphrase(passphrase_file: Optional[Path]) -> Optional[bytes]:
    """The PKCS#12 passphrase from --passphrase-file (first line) or ANNEX_P12_PASSPHRASE."""
    if passphrase_file is not None:
        text = read_bytes(passphrase_file, max_bytes=MAX_PASSPHRASE_BYTES, what="passphrase file")
        return text.splitlines()[0] if text else b""
    value = os.environ.get(PASSPHRASE_ENV)
    return value.encode("utf-8") if value is not None else None


def load_signer(p12: Path, passphrase: Optional[bytes]):
    """A pyHanko signer from a PKCS#12 file; a located message when it cannot be opened."""
    from pyhanko.sign import signers
    data = read_bytes(p12, max_bytes=MAX_KEY_BYTES, what="PKCS#12 file")
    try:
        return signers.SimpleSigner.load_pkcs12_data(data, other_certs=(), passphrase=passphrase)
    except (ValueError, TypeError):
        hint = (f"set {PASSPHRASE_ENV} or pass --passphrase-file" if passphrase is None
                else "check the passphrase (ANNEX_P12_PASSPHRASE or --passphrase-file) and that this is a .p12 file")
        raise InputError([error(p12, "cannot open the PKCS#12 file (wrong passphrase, or not PKCS#12)",
                                hint=hint)], unreadable=True) from None


def default_output(src: Path) -> Path:
    return src.with_name(f"{src.stem}_signed.pdf")


def _empty_fields(reader) -> list[str]:
    from pyhanko.sign.fields import enumerate_sig_fields
    return [name for name, value, _ref in enumerate_sig_fields(reader, filled_status=False)]


def _lang(reader) -> str:
    lang = str(reader.root.get("/Lang", "en"))[:2].lower()
    from ..i18n import languages
    return lang if lang in languages() else "en"


@lru_cache(maxsize=16)
def _font_1000(path: str, text: str) -> bytes:
    """The font rescaled to 1000 units per em: pyHanko writes glyph widths (/W) in the font's
    own units, which PDF reads as thousandths of an em, so a 2048-unit font would print with
    letters twice as far apart. `text` is what the stamp will print."""
    import logging

    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    font = TTFont(path)
    options = subset.Options()
    options.layout_features, options.name_IDs, options.notdef_outline = ["*"], ["*"], True
    subsetter = subset.Subsetter(options)  # only what the stamp prints: shaping the whole font took seconds
    subsetter.populate(unicodes=sorted({ord(c) for c in text + STAMP_CHARS}))
    subsetter.subset(font)
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _font_factory(path: str, size: int, text: str):
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory

    class Rescaled(GlyphAccumulatorFactory):
        def create_font_engine(self, writer, obj_stream=None):
            if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
                obj_stream = writer.prepare_object_stream()
            return GlyphAccumulator(writer=writer, font_handle=io.BytesIO(_font_1000(self.font_file, text)),
                                    font_size=self.font_size, obj_stream=obj_stream)
    return Rescaled(path, font_size=size)


def _stamp_style(lang: str, signer_name: str):
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    from ..brand import load_brand
    from ..i18n import labels
    words = labels(lang).digitally_signed_by
    font = _font_factory(str(load_brand(None).find(FONT)), 9, words + signer_name)
    words = words.replace("%", "%%")
    return TextStampStyle(stamp_text=f"{words}\n%(signer)s\n%(ts)s", timestamp_format="%Y-%m-%d %H:%M:%S %Z",
                          text_box_style=TextBoxStyle(font=font, font_size=9), border_width=0, background=None)


def _timestamper(options: SignOptions):
    if options.timestamper is not None:
        return options.timestamper
    if options.timestamp_url:
        from pyhanko.sign.timestamps import HTTPTimeStamper
        return HTTPTimeStamper(options.timestamp_url)
    return None


def _validation_context(signer):
    """For --ltv: fetch revocation data for the signer's and the time-stamp's chains (trusted:
    the system's roots and the p12 chain's own root); missing revocation information is
    tolerated (soft-fail), the certificates are still stored."""
    from pyhanko_certvalidator import ValidationContext
    chain = list(signer.cert_registry)
    roots = [c for c in chain if c.self_signed] or chain
    return ValidationContext(trust_roots=roots + _system_roots(), other_certs=chain, allow_fetching=True,
                             revocation_mode="soft-fail")


def _system_roots() -> list:
    """The system's trusted roots (Debian's ca-certificates bundle), for a public TSA's chain."""
    from asn1crypto import pem, x509
    try:
        data = SYSTEM_ROOTS.read_bytes()
    except OSError:
        return []
    return [x509.Certificate.load(der) for _t, _h, der in pem.unarmor(data, multiple=True)]


def _keep_pdfa_metadata_consistent(writer) -> None:
    """PDF/A wants the Info dictionary to agree with the XMP metadata. pyHanko rewrites both on
    each update but not alike: XMP producer `pyHanko x` against Info producer `WeasyPrint 70;
    pyHanko x`, and two readings of the clock for the modification date. So, in this update, the
    Info producer becomes pyHanko's (which it then keeps) and the Info modification date goes
    (optional; pyHanko only updates an existing one); the XMP keeps both."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.metadata.model import VENDOR
    try:
        info = writer.trailer["/Info"]
    except KeyError:
        return
    info["/Producer"] = generic.TextStringObject(VENDOR)
    info.pop("/ModDate", None)
    writer.update_container(info)


def _open_for_signing(data: bytes, where: str):
    """The incremental writer over the annex, its empty fields, and whether none is signed yet;
    pyHanko parses objects as it walks them, so a hostile file fails here, as one message."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields
    reader = open_pdf(data, where)
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), prev=reader)
        _keep_pdfa_metadata_consistent(writer)
        empty = _empty_fields(writer.prev)
        first = not any(True for _ in fields.enumerate_sig_fields(writer.prev, filled_status=True))
        return writer, empty, first, _lang(writer.prev)
    except Exception as exc:  # a hostile file can make the parser raise anything
        raise unreadable(where, exc) from None


def sign_bytes(data: bytes, signer, options: SignOptions, *, where: str = "annex") -> bytes:
    """The annex signed in one of its empty signature fields, as an incremental update."""
    from pyhanko.sign import fields, signers
    writer, empty, first, lang = _open_for_signing(data, where)
    field = options.field or (empty[-1] if empty else None)
    if field is None or field not in empty:
        raise InputError([error(where, f"no empty signature field `{field}`" if field else "no empty signature field",
                                field="--field", hint=f"empty fields: {', '.join(empty) or 'none (already signed)'}")])
    meta = signers.PdfSignatureMetadata(
        field_name=field, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=options.reason, location=options.location,
        certify=first, docmdp_permissions=fields.MDPPerm.FILL_FORMS,
        embed_validation_info=options.ltv, validation_context=_validation_context(signer) if options.ltv else None,
        signer_key_usage={"non_repudiation"} if options.ltv else set())
    pdf_signer = signers.PdfSigner(meta, signer, timestamper=_timestamper(options),
                                   stamp_style=_stamp_style(lang, signer.subject_name or ""))
    out = io.BytesIO()
    try:
        pdf_signer.sign_pdf(writer, existing_fields_only=True, output=out)
    except Exception as exc:  # pyHanko raises many kinds (TSA down, path not validated...): one message
        raise InputError([error(where, f"signing failed: {type(exc).__name__}: {exc}",
                                hint="check the time-stamping URL, the certificate chain and --ltv's network "
                                     "access")]) from None
    return out.getvalue()


def sign_file(src: Path, p12: Path, passphrase: Optional[bytes], options: SignOptions, *,
              output: Optional[Path] = None, force: bool = False) -> Path:
    """Sign `src` into `output` (default `<name>_signed.pdf` beside it); never overwrites an
    existing file unless `force`."""
    target = output or default_output(src)
    if target.exists() and not force:
        raise InputError([error(target, "already exists: not overwritten",
                                hint="pass -o OTHER.pdf, or --force to replace it")], unreadable=True)
    data = read_bytes(src, max_bytes=MAX_PDF_BYTES, what="PDF file")
    signed = sign_bytes(data, load_signer(p12, passphrase), options, where=str(src))
    write_atomic(target, signed)
    return target
