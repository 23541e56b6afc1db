"""annex: contract annexes (PDF and DOCX) from RACI responsibility matrices."""

__version__ = "0.1.0"
