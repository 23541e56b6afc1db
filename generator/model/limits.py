"""Documented limits on input, checked when a file is read (README "Data", "Limits").

Each figure is far above what a real matrix or customer file needs (the largest shipped matrix,
IaaS, has 109 activities, 14 sections two levels deep, activity texts of at most 185 characters
and notes of at most 639) and low enough that a hostile or broken file is refused at once
instead of costing minutes of layout or gigabytes of memory.
"""
from __future__ import annotations

# files
MAX_FILE_BYTES = 2 * 1024 * 1024  # any input file (matrix, customers, CSV, side file); counted on bytes read
MAX_NESTING = 32  # YAML lists/mappings inside one another (a matrix 6 sections deep needs 16)
MAX_CSV_CELL = 128 * 1024  # one CSV cell, in characters (Python's csv field limit)

# one matrix
MAX_SECTION_DEPTH = 6  # sections inside sections (1 = top level)
MAX_SECTIONS = 500  # sections and subsections in all
MAX_ACTIVITIES = 1_000  # activities in all sections
MAX_MATRIX_TEXT = 200_000  # characters of text in one matrix file (IaaS: 21,000); layout time follows it
MAX_PARTIES = 8  # role columns
MAX_LEGEND = 26  # legend entries (one per capital letter)
MAX_PARAGRAPHS = 100  # paragraphs in one intro or notes list
MAX_HISTORY = 500  # revisions

# one customer file
MAX_CUSTOMERS = 10_000  # customers in one file
MAX_MATRICES_PER_CUSTOMER = 50
MAX_DEVIATIONS = MAX_ACTIVITIES  # per customer

# text fields, in characters
MAX_CUSTOMER_ID = 64  # names the output folder
MAX_ID = 128  # matrix, party and activity ids
MAX_REF = 100  # contract reference, annex number
MAX_NAME = 200  # legal name, signatory name/title/place, party label, legend label, approver, service
MAX_TITLE = 300  # matrix, section and legend titles
MAX_TEXT = 2_000  # activity text, deviation reason, legend description, revision summary
MAX_PARAGRAPH = 5_000  # one intro or notes paragraph
MAX_ROLE_CELL = 32  # a role cell as written, e.g. "RA*"

# documents read back: annex PDFs (`diff`, `verify`), review DOCX files (`review-import`), and
# the signing inputs. An annex PDF is ~60-200 KiB and each signature adds ~20 KiB (B-LT: its
# certificates and revocation data, ~100 KiB); IaaS's review DOCX (109 activities) is 215 KiB,
# and its XML parts hold 7,800 elements, 449 paragraphs, 143 table rows.
MAX_PDF_BYTES = 64 * 1024 * 1024  # one annex PDF, read whole
MAX_PDF_REVISIONS = 64  # the file as annex wrote it, then its incremental updates: 8 parties
#   signing with B-LT validation data and a document time-stamp each add at most 24
MAX_EMBEDDED_BYTES = 8 * 1024 * 1024  # the embedded annex-data.json (a 1,000-activity matrix: ~1 MiB)
MAX_JSON_NESTING = MAX_NESTING  # arrays and objects inside one another in annex-data.json (annex: 16)
MAX_DOCX_BYTES = 32 * 1024 * 1024  # one review DOCX as sent back
MAX_DOCX_EXPANDED = 64 * 1024 * 1024  # all its parts once expanded (fonts and images included)
MAX_DOCX_ENTRIES = 2_000  # parts in the package
MAX_DOCX_XML_BYTES = 32 * 1024 * 1024  # its XML parts once expanded (IaaS: 340 KiB)
MAX_DOCX_ELEMENTS = 500_000  # XML elements in all parts (~150 bytes of memory each once parsed)
MAX_DOCX_PARAGRAPHS = 50_000
MAX_DOCX_ROWS = 10_000  # table rows: a 1,000-activity matrix and its deviations table need ~2,100
MAX_DOCX_REVISIONS = 20_000  # tracked changes (insertions, deletions, moves, format changes)
MAX_DOCX_COMMENTS = 5_000
MAX_KEY_BYTES = 1024 * 1024  # a PKCS#12 file or a trust-root PEM/DER file (a CA bundle: ~220 KiB)
MAX_PASSPHRASE_BYTES = 4096  # a --passphrase-file
