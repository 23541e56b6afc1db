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
    """moto's server mode: an S3-compatible endpoint on 127.0.0.1."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.proc: Optional[subprocess.Popen] = None
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, **extra: str) -> dict[str, str]:
        """The standard AWS variables a user sets for an S3-compatible service."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ENDPOINT_URL=self.endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                   AWS_DEFAULT_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true")
        env.update(extra)
        return env

    def start(self) -> Moto:
        self.log = open(self.folder / "moto.log", "w")
        self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                     stdout=self.log, stderr=subprocess.STDOUT, cwd=self.folder)
        wait_port(self.port, self.proc, "moto server")
        return self

    def client(self):
        import boto3
        env = self.env()
        return boto3.client("s3", endpoint_url=self.endpoint, region_name=env["AWS_DEFAULT_REGION"],
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name

    def stop(self) -> None:
        stop(self.proc)
        self.proc = None
        self.log.close()
