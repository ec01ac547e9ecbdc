"""The stress tests use the integration tests' generated zones."""
from tests.integration.conftest import zone, zone_sources  # noqa: F401 - fixtures
