"""S3-compatible object storage through boto3, for `-o s3://BUCKET/PREFIX` and `--store s3://...`.

Endpoint, region and credentials come from the standard AWS variables (`AWS_ENDPOINT_URL`,
`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`, or a profile), which boto3
reads itself: any S3-compatible service works, nothing here knows one from another. A put is
atomic in S3 (an object is visible whole or not at all), so no temporary names are needed;
each annex's fingerprint and SHA-256 travel in its object metadata, so an incremental run can
tell an unchanged annex with a HEAD request instead of downloading it.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Optional

from .diagnostics import InputError, error, printable

SCHEME = "s3://"
# S3's bucket naming rules (the strict, DNS-compatible ones every S3-compatible service accepts)
BUCKET = re.compile(r"^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
PREFIX_PART = re.compile(r"^[A-Za-z0-9._-]{1,255}$")
TIMEOUTS = {"connect_timeout": 5, "read_timeout": 60}
RETRIES = {"max_attempts": 4, "mode": "standard"}


def is_s3(text: object) -> bool:
    return str(text).startswith(SCHEME)


@dataclass(frozen=True)
class Target:
    """A place in a bucket: `s3://bucket/prefix` (prefix without slashes at either end)."""

    bucket: str
    prefix: str = ""

    def key(self, relative: str) -> str:
        """The object key of a path relative to the target (an output name like `cust/x.pdf`)."""
        return f"{self.prefix}/{relative}" if self.prefix else relative

    def __str__(self) -> str:
        return f"{SCHEME}{self.bucket}/{self.prefix}" if self.prefix else f"{SCHEME}{self.bucket}"


def parse_target(text: str, option: str = "-o") -> Target:
    """`s3://BUCKET[/PREFIX]`, checked: a bucket name S3 accepts, a prefix of plain path parts
    (no `..`, no empty part), so that no key can leave the prefix the user named."""
    rest = text[len(SCHEME):] if is_s3(text) else text
    bucket, _, prefix = rest.partition("/")
    prefix = prefix.strip("/")
    parts = prefix.split("/") if prefix else []
    if not BUCKET.match(bucket):
        raise usage(text, option, f"`{printable(bucket)}` is not a bucket name",
                    "a bucket name has 3-63 lower-case letters, digits, dots and hyphens")
    bad = [p for p in parts if not PREFIX_PART.match(p) or p in (".", "..")]
    if bad:
        raise usage(text, option, f"the prefix part `{printable(bad[0], 60)}` is not allowed",
                    "use letters, digits, `.`, `_` and `-` between slashes, no `..`")
    return Target(bucket, "/".join(parts))


def usage(text: str, option: str, message: str, hint: str) -> InputError:
    return InputError([error(option, f"{printable(text, 200)}: {message}", hint=hint)], unreadable=True)


def client() -> Any:
    """One S3 client per process (boto3 clients are thread-safe, not fork-safe: a forked worker
    must not share its parent's connections), configured by the AWS variables."""
    return _client(os.getpid())


@lru_cache(maxsize=4)
def _client(pid: int) -> Any:
    import boto3
    from botocore.config import Config
    return boto3.session.Session().client("s3", config=Config(retries=RETRIES, **TIMEOUTS))


def reset_clients() -> None:
    """Forget the clients: the next one reads the AWS variables again (tests change them)."""
    _client.cache_clear()


def endpoint() -> str:
    return str(client().meta.endpoint_url)


def explain(exc: Exception, target: Target) -> tuple[str, str]:
    """What a boto3 error means for the user, and what to do: one line each."""
    from botocore import exceptions as bx
    where = f"{target} at {endpoint()}" if not isinstance(exc, bx.NoCredentialsError) else str(target)
    if isinstance(exc, (bx.EndpointConnectionError, bx.ConnectTimeoutError, bx.ReadTimeoutError)):
        return (f"cannot reach the object storage for {where}",
                "check AWS_ENDPOINT_URL (and the network), or that the service is up")
    if isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return (f"no credentials for {where}", "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)")
    if isinstance(exc, bx.ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in ("404", "NoSuchBucket"):
            return f"the bucket of {where} does not exist", "create it, or correct the bucket name"
        if code in ("403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch") or status == 403:
            return (f"access denied to {where} ({code or status})",
                    "check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and the bucket's permissions")
        return f"the object storage refused a request for {where} ({code or status})", "see the service's logs"
    if isinstance(exc, bx.BotoCoreError):
        return f"object storage error for {where}: {printable(exc, 200)}", "check the AWS_* variables"
    raise exc


def storage_error(exc: Exception, target: Target, option: str = "-o") -> InputError:
    message, hint = explain(exc, target)
    return InputError([error(option, message, hint=hint)], unreadable=True)


def check_target(target: Target, option: str = "-o") -> None:
    """Reach the bucket once (HEAD), before any work: an unreachable endpoint, missing or wrong
    credentials and a missing bucket each stop the command with one line (exit 2)."""
    from botocore.exceptions import BotoCoreError, ClientError
    try:
        client().head_bucket(Bucket=target.bucket)
    except (BotoCoreError, ClientError) as exc:
        raise storage_error(exc, target, option) from None


def put(target: Target, relative: str, data: bytes, metadata: Optional[dict[str, str]] = None,
        content_type: str = "application/octet-stream") -> None:
    """Write one object whole (S3 puts are atomic: readers see the old object or the new one)."""
    client().put_object(Bucket=target.bucket, Key=target.key(relative), Body=data, ContentType=content_type,
                        Metadata=dict(metadata or {}))


def head(target: Target, relative: str) -> Optional[tuple[int, dict[str, str]]]:
    """(size, metadata) of an object, None when there is none."""
    from botocore.exceptions import ClientError
    try:
        answer = client().head_object(Bucket=target.bucket, Key=target.key(relative))
    except ClientError as exc:
        _raise_unless_absent(exc)
        return None
    return int(answer.get("ContentLength", 0)), dict(answer.get("Metadata") or {})


def get(target: Target, relative: str, limit: int) -> Optional[bytes]:
    """An object's bytes (at most `limit`: only small objects such as the manifest are read), None
    when there is none."""
    from botocore.exceptions import ClientError
    try:
        answer = client().get_object(Bucket=target.bucket, Key=target.key(relative))
    except ClientError as exc:
        _raise_unless_absent(exc)
        return None
    body = answer["Body"]
    try:
        data: bytes = body.read(limit + 1)
    finally:
        body.close()
    if len(data) > limit:
        raise ValueError(f"{target.key(relative)} is over {limit} bytes")
    return data


def _raise_unless_absent(exc: Exception) -> None:
    """"No such object" is an answer; any other refusal is raised again."""
    if str(getattr(exc, "response", {}).get("Error", {}).get("Code", "")) not in ("404", "NoSuchKey", "NotFound"):
        raise exc
