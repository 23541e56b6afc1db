"""A throwaway certificate authority made at test time (never a committed key): a root, and
signers issued by it as PKCS#12 files, plus a time-stamping authority certificate."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PASSPHRASE = b"correct horse battery staple"
NOW = dt.datetime.now(dt.UTC)


@cache
def _key(n: int) -> rsa.RSAPrivateKey:
    """RSA keys are the slow part: one per role, shared by the session."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Annex Test PKI")])


@dataclass(frozen=True)
class Authority:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def make_root(cn: str = "Annex Test Root CA", key_no: int = 0) -> Authority:
    key = _key(key_no)
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(cn))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW - dt.timedelta(days=30)).not_valid_after(NOW + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return Authority(key, cert)


def issue(ca: Authority, cn: str, key_no: int, *, expired: bool = False, tsa: bool = False) -> Authority:
    key = _key(key_no)
    start, end = (NOW - dt.timedelta(days=400), NOW - dt.timedelta(days=35)) if expired else \
        (NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=365))
    builder = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(ca.cert.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=not tsa, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                            crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False))
    if tsa:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return Authority(key, builder.sign(ca.key, hashes.SHA256()))


def write_p12(path: Path, who: Authority, ca: Authority, passphrase: bytes = PASSPHRASE) -> Path:
    data = pkcs12.serialize_key_and_certificates(b"signer", who.key, who.cert, [ca.cert],
                                                 serialization.BestAvailableEncryption(passphrase))
    path.write_bytes(data)
    return path


def write_pem(path: Path, ca: Authority) -> Path:
    path.write_bytes(ca.pem())
    return path
