"""`annex sign ANNEX.pdf --p12 SIGNER.p12`: sign an annex in one of its signature fields."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from ..signing.sign import SignOptions, read_passphrase, sign_file


def sign_command(pdf: Path, *, p12: Path, passphrase_file: Optional[Path], options: SignOptions,
                 output: Optional[Path], force: bool) -> int:
    target = sign_file(pdf, p12, read_passphrase(passphrase_file), options, output=output, force=force)
    level = "B-LT" if options.ltv else "B-T" if options.timestamp_url else "B-B"
    print(f"signed {target} (PAdES {level})")
    return 0
