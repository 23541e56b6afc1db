"""Throwaway servers for the queue tests, each on a free 127.0.0.1 port and stopped at the end:
Debian's `redis-server` (the broker and result backend) and moto's S3-compatible server (the
bucket; the code under test only ever sees it through boto3 and the standard AWS variables)."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

from ..web.pg import free_port

READY = 30.0  # seconds a loaded 2-core machine may take to start either server


def wait_port(port: int, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + READY
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {READY:g} s")


def stop(proc: Optional[subprocess.Popen]) -> None:
    """SIGTERM, then SIGKILL if it lingers; always reaped."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


class Redis:
    """redis-server on a free port; `persist` keeps an append-only file in `folder`, so that a
    restart keeps the queue (as a deployed Redis does), else nothing is ever written to disk."""

    def __init__(self, folder: Path, *, persist: bool = False, password: Optional[str] = None):
        self.folder, self.persist, self.password = folder, persist, password
        self.port = free_port()
        self.proc: Optional[subprocess.Popen] = None
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> Redis:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
                "--save", "", "--appendonly", "yes" if self.persist else "no", "--appendfsync", "always",
                "--protected-mode", "yes", "--loglevel", "warning"]
        if self.password:
            args += ["--requirepass", self.password]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc, "redis-server")
        return self

    def stop(self) -> None:
        stop(self.proc)
        self.proc = None

    def restart(self, down: float = 0.0) -> None:
        """Stop it, stay down `down` seconds, start it again on the same port."""
        self.stop()
        time.sleep(down)
        self.start()


class Moto:
    """moto's server mode: an S3-compatible endpoint on 127.0.0.1. With `auth`, it checks
    credentials as a real service does: `user_keys()` makes the only keys it accepts."""

    FREE_CALLS = 3  # the calls moto answers before it checks credentials: the user, its key, its policy

    def __init__(self, folder: Path, auth: bool = False):
        self.folder, self.auth = folder, auth
        self.keys = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
        self.port = free_port()
        self.proc: Optional[subprocess.Popen] = None
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, **extra: str) -> dict[str, str]:
        """The standard AWS variables a user sets for an S3-compatible service."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ENDPOINT_URL=self.endpoint, AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
                   **self.keys)
        env.update(extra)
        return env

    def start(self) -> Moto:
        self.log = open(self.folder / "moto.log", "w")
        env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT=str(self.FREE_CALLS)) if self.auth else None
        self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=self.log, stderr=subprocess.STDOUT, cwd=self.folder, env=env)
        wait_port(self.port, self.proc, "moto server")
        if self.auth:
            self._make_user()
        return self

    def _make_user(self) -> None:
        import json

        import boto3
        iam = boto3.client("iam", endpoint_url=self.endpoint, region_name="us-east-1",
                           aws_access_key_id="any", aws_secret_access_key="any")
        iam.create_user(UserName="annex")
        key = iam.create_access_key(UserName="annex")["AccessKey"]
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        iam.put_user_policy(UserName="annex", PolicyName="s3", PolicyDocument=json.dumps(policy))
        self.keys = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}

    def client(self):
        import boto3
        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=self.keys["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=self.keys["AWS_SECRET_ACCESS_KEY"])

    def bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name

    def stop(self) -> None:
        stop(self.proc)
        self.proc = None
        self.log.close()


class Worker:
    """`annex worker` as an operator starts it, in its own process group (the Celery main process
    and its pool processes are stopped together), its log in `folder`."""

    def __init__(self, folder: Path, queue: str, env: dict[str, str], *args: str, name: str = "worker"):
        self.folder, self.queue, self.env, self.args, self.name = folder, queue, env, args, name
        self.proc: Optional[subprocess.Popen] = None
        folder.mkdir(parents=True, exist_ok=True)
        self.log_path = folder / f"{name}.log"

    def start(self) -> Worker:
        from ..conftest import ROOT
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "generator", "worker", "--queue", self.queue, *self.args],
                                     cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + 3 * READY
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"annex worker exited: {self.text()[-3000:]}")
            if " ready." in self.text():
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"annex worker not ready within {3 * READY:g} s: {self.text()[-3000:]}")

    def text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(10)
        self.proc = None
        self.log.close()
