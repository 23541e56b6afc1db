"""generator/infra/objectstore.py against an S3-compatible server on 127.0.0.1 (moto), through
boto3 and the standard AWS variables only: targets, the check before any work, metadata."""
from __future__ import annotations

import pytest

from generator.infra import objectstore
from generator.infra.diagnostics import InputError

from ..web.pg import free_port
from .servers import Moto


@pytest.mark.parametrize("text, bucket, prefix", [
    ("s3://annexes", "annexes", ""), ("s3://annexes/", "annexes", ""),
    ("s3://annexes/2025/run-1/", "annexes", "2025/run-1"), ("s3://my.bucket-1/a_b", "my.bucket-1", "a_b")])
def test_a_target_is_a_bucket_and_a_prefix(text, bucket, prefix):
    target = objectstore.parse_target(text)
    assert (target.bucket, target.prefix) == (bucket, prefix)
    assert target.key("c/x.pdf") == (f"{prefix}/c/x.pdf" if prefix else "c/x.pdf")


@pytest.mark.parametrize("text, says", [
    ("s3://", "not a bucket name"), ("s3://Annexes", "not a bucket name"), ("s3://a", "not a bucket name"),
    ("s3://annexes/../other", "`..`"), ("s3://annexes/a//b", "prefix part"), ("s3://annexes/a b", "prefix part"),
    ("s3://annexes/\x1b[31m", "\\x1b")])
def test_a_bad_target_is_one_usage_error(text, says):
    with pytest.raises(InputError) as caught:
        objectstore.parse_target(text)
    assert caught.value.unreadable and len(caught.value.diagnostics) == 1
    assert says in caught.value.diagnostics[0].format()


def test_objects_carry_their_metadata_and_are_read_back(s3_env, moto):
    target = objectstore.parse_target(f"s3://{moto.bucket('meta')}/run")
    objectstore.check_target(target)
    objectstore.put(target, "c/x.pdf", b"%PDF-1.7", {"sha256": "ab", "fingerprint": "cd"}, "application/pdf")
    assert objectstore.head(target, "c/x.pdf") == (8, {"sha256": "ab", "fingerprint": "cd"})
    assert objectstore.head(target, "c/none.pdf") is None and objectstore.get(target, "none", 10) is None
    assert objectstore.get(target, "c/x.pdf", 100) == b"%PDF-1.7"
    with pytest.raises(ValueError):
        objectstore.get(target, "c/x.pdf", 4)  # only small objects are ever read whole
    listed = moto.client().list_objects_v2(Bucket="meta")["Contents"]
    assert [o["Key"] for o in listed] == ["run/c/x.pdf"]


def failure(target_text: str) -> str:
    objectstore.reset_clients()
    with pytest.raises(InputError) as caught:
        objectstore.check_target(objectstore.parse_target(target_text))
    assert caught.value.unreadable and len(caught.value.diagnostics) == 1
    return caught.value.diagnostics[0].format()


def test_a_missing_bucket_is_said_before_any_work(s3_env):
    assert "does not exist" in failure("s3://no-such-bucket/x")


def test_an_unreachable_endpoint_is_said_before_any_work(s3_env, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    assert "cannot reach the object storage" in failure("s3://annexes")


def test_missing_credentials_are_said_before_any_work(s3_env, monkeypatch, tmp_path):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    assert "no credentials" in failure("s3://annexes")


def test_wrong_credentials_are_said_before_any_work(tmp_path, monkeypatch):
    """A server that checks credentials (moto with IAM on): the right keys pass, a wrong secret
    or an unknown key is `access denied`, one line."""
    server = Moto(tmp_path / "moto", auth=True).start()
    try:
        server.bucket("locked")
        for key, value in server.env().items():
            if key.startswith("AWS_"):
                monkeypatch.setenv(key, value)
        objectstore.reset_clients()
        objectstore.check_target(objectstore.parse_target("s3://locked"))
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
        assert "access denied" in failure("s3://locked")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAUNKNOWN000000000")
        assert "access denied" in failure("s3://locked")
    finally:
        objectstore.reset_clients()
        server.stop()


def test_annex_build_writes_into_a_bucket_with_the_fingerprint_beside(tmp_path, s3_env, moto):
    """`annex build -o s3://...`: the same bytes as into a folder, the fingerprint in the metadata."""
    import hashlib

    from ..helpers import annex
    bucket = moto.bucket("built")
    run = annex("build", "s3-object-storage", "--format", "pdf", "-o", f"s3://{bucket}/one", env=s3_env, timeout=300)
    assert run.returncode == 0, run.stderr
    key = "one/s3-object-storage_fr_v1.0.0.pdf"
    assert f"wrote s3://{bucket}/{key}" in run.stdout
    local = annex("build", "s3-object-storage", "--format", "pdf", "-o", tmp_path, timeout=300)
    assert local.returncode == 0, local.stderr
    data = (tmp_path / "s3-object-storage_fr_v1.0.0.pdf").read_bytes()
    got = moto.client().get_object(Bucket=bucket, Key=key)
    assert got["Body"].read() == data
    assert got["Metadata"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert got["Metadata"]["fingerprint"][:12] in run.stdout
