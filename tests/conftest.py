"""Fixtures for every test folder: a real redis-server of the test run's own.

The server is Debian's ``redis-server`` (``make test-deps`` installs it), started on a free
127.0.0.1 port in a temporary folder with persistence off, never the system's service.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from typing import TYPE_CHECKING

import pytest
import redis

if TYPE_CHECKING:
    from collections.abc import Iterator

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
STARTUP_SECONDS = 10.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_ping(process: subprocess.Popen[bytes], url: str) -> bool:
    """Return True once the server answers PING, False if it exits or never answers."""
    deadline = time.monotonic() + STARTUP_SECONDS
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        while time.monotonic() < deadline and process.poll() is None:
            with contextlib.suppress(redis.ConnectionError):
                if client.ping():
                    return True
            time.sleep(0.05)
    finally:
        client.close()
    return False


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server for this test run, on a free local port; yields its URL (database 0)."""
    if not shutil.which(REDIS_SERVER):
        pytest.fail(
            f"{REDIS_SERVER} is missing: run `make test-deps` (apt-get install redis-server)"
        )
    folder = tmp_path_factory.mktemp("redis")
    for _attempt in range(3):  # another process may take the free port before the server does
        port = _free_port()
        process = subprocess.Popen(  # noqa: S603 - a fixed program with our own arguments
            [
                REDIS_SERVER,
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--dir",
                str(folder),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"redis://127.0.0.1:{port}/0"
        if _wait_for_ping(process, url):
            break
        process.kill()
        process.wait()
    else:
        pytest.fail(f"{REDIS_SERVER} did not answer PING on 127.0.0.1")
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """The test run's redis-server, emptied for this test; its URL."""
    with redis.Redis.from_url(redis_server) as client:
        client.flushall()
    return redis_server
