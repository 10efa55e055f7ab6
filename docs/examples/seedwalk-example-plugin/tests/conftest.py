"""Fixtures shared by the plugin's tests."""

import pytest

from seedwalk.testing import load_check_data


@pytest.fixture(scope="session")
def gala():
    """GALA-USDT from seedwalk's bundled sample: 4h bars from 2024-01-01."""
    return load_check_data("GALA-USDT")
