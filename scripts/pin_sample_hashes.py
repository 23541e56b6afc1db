"""Write tests/data/sample_sha256.json: the SHA-256 of every sample annex (each customer of
data/customers/example.yaml, each subscribed matrix, PDF, DOCX and review DOCX).

tests/test_sample_bytes.py rebuilds them and compares: the same inputs must give the same bytes
on every machine (the fonts, the subsetter and the libraries the setup installs). Run this after
a change that is meant to change the output, and commit the result with that change:

    .venv/bin/python scripts/pin_sample_hashes.py
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PINS = ROOT / "tests" / "data" / "sample_sha256.json"
FORMATS = ("pdf", "docx", "review")


def sample_hashes() -> dict[str, str]:
    """`<customer>/<file name>` -> SHA-256 of the bytes `annex batch` writes for it."""
    from generator.annex import build_annex, output_name
    from generator.brand import load_brand
    from generator.catalog import load_checked_matrix, resolve_matrix
    from generator.readers.customers import read_customers
    from generator.writers import renderer
    brand = load_brand()
    out = {}
    for customer in read_customers(ROOT / "data" / "customers" / "example.yaml")[0]:
        for matrix_id in customer.matrices:
            path = resolve_matrix(matrix_id, lang=customer.lang, data_dir=ROOT / "data")
            annex = build_annex(load_checked_matrix(path), customer, brand)
            for fmt in FORMATS:
                data = renderer(fmt)(annex)
                out[f"{customer.id}/{output_name(annex, fmt)}"] = hashlib.sha256(data).hexdigest()
    return dict(sorted(out.items()))


if __name__ == "__main__":
    PINS.parent.mkdir(parents=True, exist_ok=True)
    PINS.write_text(json.dumps(sample_hashes(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {PINS.relative_to(ROOT)}")
