from tests.workers import broker, workers  # noqa: F401 - shared fixtures
