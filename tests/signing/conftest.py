"""Fixtures for signing: a throwaway PKI (tests/signing/pki.py), one built annex, and the
annex signed by the provider, then by the customer. Built once per session: signing is quick,
but laying out the annex is not."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ..conftest import load_customer, make_annex
from . import pki


@pytest.fixture(scope="session")
def ca(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pki")
    root = pki.make_root()
    other = pki.make_root("Someone Else's Root", key_no=5)
    files = {
        "root": pki.write_pem(folder / "root.pem", root),
        "provider": pki.write_p12(folder / "provider.p12", pki.issue(root, "Julien Moreau", 1), root),
        "customer": pki.write_p12(folder / "customer.p12", pki.issue(root, "Claire Martin", 2), root),
        "expired": pki.write_p12(folder / "expired.p12", pki.issue(root, "Old Key", 3, expired=True), root),
        "stranger": pki.write_p12(folder / "stranger.p12", pki.issue(other, "Mallory", 4), other),
    }
    return root, files


@pytest.fixture(scope="session")
def annex_pdf(tmp_path_factory):
    from generator.writers import pdf
    path = tmp_path_factory.mktemp("annex") / "s3-object-storage_fr_v1.0.0.pdf"
    path.write_bytes(pdf.render(make_annex("fr", load_customer("banque-horizon"))))
    return path


def run(*args, passphrase: bytes | None = pki.PASSPHRASE):
    """`annex ARGS` in this process (a subprocess would pay the imports each time)."""
    from generator.cli import app
    env = {"ANNEX_P12_PASSPHRASE": passphrase.decode() if passphrase is not None else None}
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


@pytest.fixture(scope="session")
def signed(ca, annex_pdf, tmp_path_factory):
    """(unsigned, signed by the provider, then by the customer too)."""
    _, files = ca
    folder = tmp_path_factory.mktemp("signed")
    provider, both = folder / "provider.pdf", folder / "both.pdf"
    r = run("sign", annex_pdf, "--p12", files["provider"], "--reason", "Accord", "-o", provider)
    assert r.exit_code == 0, r.output
    r = run("sign", provider, "--p12", files["customer"], "--location", "Paris", "-o", both)
    assert r.exit_code == 0, r.output
    return annex_pdf, provider, both
