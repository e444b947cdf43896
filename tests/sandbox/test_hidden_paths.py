"""Directories the trusted side hides from jobs look empty inside every job, on both backends."""

import os

import pip
import pytest

from sandbox import Job, Limits, Status, create_backend

HIDDEN = os.path.dirname(pip.__file__)  # a directory of the venv, which jobs otherwise see
LOOK = f"import os\nRESULT = sorted(os.listdir({HIDDEN!r}))\n"


@pytest.mark.parametrize("kind", ["forkserver", "bwrap"])
def test_a_hidden_directory_is_empty_and_read_only_in_a_job(kind):
    with create_backend(kind, slots=1, hidden_paths=[HIDDEN]) as backend:
        result = backend.run(Job(main=LOOK + f"open({HIDDEN!r} + '/x', 'w')\n", limits=Limits(wall_s=30)))
        assert result.status is Status.RUNTIME_ERROR and "Read-only file system" in result.error, result.error
        result = backend.run(Job(main=LOOK, limits=Limits(wall_s=30)))
    assert (result.status, result.value) == (Status.OK, [])


def test_without_it_the_directory_is_there():
    with create_backend("forkserver", slots=1) as backend:
        result = backend.run(Job(main=LOOK, limits=Limits(wall_s=30)))
    assert result.status is Status.OK and "__init__.py" in result.value


def test_a_hidden_path_must_be_a_directory_that_exists():
    with pytest.raises(ValueError, match="hidden_paths must be directories that exist"):
        create_backend("forkserver", slots=1, hidden_paths=["/nonexistent/data"])
