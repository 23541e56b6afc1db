"""The README states the limits that the code enforces: the figures cannot drift apart."""
import re

from generator.model import limits

from ..conftest import ROOT


def test_the_readme_states_every_limit():
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split("### Limits")[1].split("##")[0].split())
    stated = {
        "MAX_FILE_BYTES": f"at most {limits.MAX_FILE_BYTES // (1 << 20)} MiB each",
        "MAX_NESTING": f"at most {limits.MAX_NESTING} lists/mappings deep",
        "MAX_CSV_CELL": f"at most {limits.MAX_CSV_CELL // 1024} KiB",
        "MAX_ACTIVITIES": f"at most {limits.MAX_ACTIVITIES:,} activities",
        "MAX_SECTIONS": f"{limits.MAX_SECTIONS:,} sections",
        "MAX_SECTION_DEPTH": f"nested at most {limits.MAX_SECTION_DEPTH} deep",
        "MAX_MATRIX_TEXT": f"{limits.MAX_MATRIX_TEXT:,} characters of text in all",
        "MAX_PARTIES": f"{limits.MAX_PARTIES} parties",
        "MAX_PARAGRAPHS": f"{limits.MAX_PARAGRAPHS} paragraphs per intro or notes list",
        "MAX_CUSTOMERS": f"at most {limits.MAX_CUSTOMERS:,} customers",
        "MAX_MATRICES_PER_CUSTOMER": f"at most {limits.MAX_MATRICES_PER_CUSTOMER} matrices",
        "MAX_DEVIATIONS": f"{limits.MAX_DEVIATIONS:,} deviations",
        "MAX_CUSTOMER_ID": f"customer id {limits.MAX_CUSTOMER_ID} characters",
        "MAX_ID": f"other ids {limits.MAX_ID}",
        "MAX_REF": f"annex number {limits.MAX_REF}",
        "MAX_NAME": f"places {limits.MAX_NAME}",
        "MAX_TITLE": f"section titles {limits.MAX_TITLE}",
        "MAX_TEXT": f"legend descriptions {limits.MAX_TEXT:,}",
        "MAX_PARAGRAPH": f"notes paragraph {limits.MAX_PARAGRAPH:,}",
        # documents read back (sign, verify, diff, review-import)
        "MAX_PDF_BYTES": f"annex PDF is at most {limits.MAX_PDF_BYTES >> 20} MiB",
        "MAX_PDF_REVISIONS": f"with at most {limits.MAX_PDF_REVISIONS} revisions",
        "MAX_EMBEDDED_BYTES": f"at most {limits.MAX_EMBEDDED_BYTES >> 20} MiB of UTF-8 JSON",
        "MAX_JSON_NESTING": f"nested at most {limits.MAX_JSON_NESTING} deep, no key twice",
        "MAX_DOCX_BYTES": f"review DOCX is at most {limits.MAX_DOCX_BYTES >> 20} MiB",
        "MAX_DOCX_EXPANDED": f"{limits.MAX_DOCX_EXPANDED >> 20} MiB and",
        "MAX_DOCX_ENTRIES": f"{limits.MAX_DOCX_ENTRIES:,} parts once expanded",
        "MAX_DOCX_XML_BYTES": f"its XML at most {limits.MAX_DOCX_XML_BYTES >> 20} MiB",
        "MAX_DOCX_ELEMENTS": f"{limits.MAX_DOCX_ELEMENTS:,} elements",
        "MAX_DOCX_PARAGRAPHS": f"{limits.MAX_DOCX_PARAGRAPHS:,} paragraphs",
        "MAX_DOCX_ROWS": f"{limits.MAX_DOCX_ROWS:,} table rows",
        "MAX_DOCX_REVISIONS": f"{limits.MAX_DOCX_REVISIONS:,} tracked changes",
        "MAX_DOCX_COMMENTS": f"{limits.MAX_DOCX_COMMENTS:,} comments",
        "MAX_KEY_BYTES": f"trust-root file is at most {limits.MAX_KEY_BYTES >> 20} MiB",
        "MAX_PASSPHRASE_BYTES": f"passphrase file {limits.MAX_PASSPHRASE_BYTES // 1024} KiB",
    }
    missing = {name: phrase for name, phrase in stated.items() if phrase not in text}
    assert not missing, missing
    documented = {name for name in vars(limits) if re.fullmatch(r"MAX_[A-Z_]+", name)}
    assert documented - set(stated) <= {"MAX_LEGEND", "MAX_HISTORY", "MAX_ROLE_CELL"}
