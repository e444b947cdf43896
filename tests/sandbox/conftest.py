"""Shared sandbox fixtures: one backend of each kind for the whole session (the fork server warms up once)."""
import os

import pytest

from sandbox import IsolationUnavailable, create_backend

PLANTED_SECRET = "tg-planted-secret-7f3a91"


@pytest.fixture(scope="session")
def planted_secret_env():
    """A secret in the supervisor's environment, set before any backend starts."""
    os.environ["SECRET_KEY"] = PLANTED_SECRET
    yield PLANTED_SECRET
    os.environ.pop("SECRET_KEY", None)


def _start(kind):
    try:
        return create_backend(kind, slots=2)
    except IsolationUnavailable as exc:
        if os.geteuid() != 0:
            pytest.skip(f"sandbox tests need root: {exc}")
        raise


@pytest.fixture(scope="session")
def forkserver(planted_secret_env):
    backend = _start("forkserver")
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def bwrap(planted_secret_env):
    backend = _start("bwrap")
    yield backend
    backend.close()


@pytest.fixture(params=["forkserver", "bwrap"])
def backend(request):
    """Both backends, for the cases whose semantics they share."""
    return request.getfixturevalue(request.param)
