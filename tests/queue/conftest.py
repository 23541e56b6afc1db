"""Fixtures of the queue tests: a throwaway Redis and an S3-compatible server (moto) per module,
and the environment a user sets for them (the standard AWS variables)."""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from .servers import Moto, Redis


def _need(program: str) -> None:
    if shutil.which(program) is None and not os.path.exists(f"/usr/bin/{program}"):
        pytest.skip(f"{program} is not installed (scripts/install-system-deps.sh test)")


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory) -> Iterator[Redis]:
    _need("redis-server")
    server = Redis(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def moto(tmp_path_factory) -> Iterator[Moto]:
    server = Moto(tmp_path_factory.mktemp("moto")).start()
    yield server
    server.stop()


@pytest.fixture
def s3_env(moto, monkeypatch) -> dict[str, str]:
    """This process and the commands it starts see the moto server through the AWS variables."""
    env = moto.env()
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    from generator.infra import objectstore
    objectstore.reset_clients()
    yield env
    objectstore.reset_clients()
