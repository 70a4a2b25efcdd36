"""Shared fixtures: tiny synthetic grids and layers."""

import pytest

from amurlink.grid import Grid


@pytest.fixture
def small_grid():
    """A 40 x 50 grid of 100 m cells in UTM 52N."""
    return Grid.from_bounds("EPSG:32652", (600_000, 4_700_000, 605_000, 4_704_000), 100)
