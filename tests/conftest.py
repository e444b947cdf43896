import pytest

from grader import runner
from tests.workers import broker, workers  # noqa: F401 - shared fixtures


@pytest.fixture(scope="session")
def grading_backend():
    """The real fork-server sandbox, shared by every grading test in the session."""
    backend = runner.new_backend(slots=2)
    runner.use_backend(backend)
    yield backend
    runner.use_backend(None)
    backend.close()
