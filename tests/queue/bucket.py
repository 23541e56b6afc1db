"""Reading a bucket back in the queue tests: every object's SHA-256, the manifest, a folder's
annexes in the same shape."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path


def objects(client, bucket: str, prefix: str = "") -> dict[str, str]:
    """{key relative to the prefix: SHA-256 of its bytes} of every object (read whole)."""
    out = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            data = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            out[item["Key"][len(prefix):].lstrip("/")] = hashlib.sha256(data).hexdigest()
    return out


def folder(out: Path) -> dict[str, str]:
    """The same of a local output folder (its lock file aside)."""
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")}


def manifest(client, bucket: str, prefix: str) -> list[dict]:
    key = f"{prefix}/manifest.json" if prefix else "manifest.json"
    return json.loads(client.get_object(Bucket=bucket, Key=key)["Body"].read())["annexes"]


def consistent(client, bucket: str, prefix: str, strict: bool = True) -> list[dict]:
    """The manifest's written and unchanged entries are exactly the annexes in the bucket, by
    SHA-256 (nothing listed that is not stored whole, nothing stored that it does not list).
    Not `strict`: a worker on another machine may still finish a task the batch gave up (Redis
    lost it): such an annex may be stored unlisted, but nothing is listed that is not stored."""
    entries = manifest(client, bucket, prefix)
    kept = {e["path"]: e["sha256"] for e in entries if e["status"] in ("written", "unchanged")}
    stored = {k: v for k, v in objects(client, bucket, prefix).items() if not k.startswith("manifest.")}
    if strict:
        assert kept == stored
    else:
        assert kept.items() <= stored.items()
    return entries
