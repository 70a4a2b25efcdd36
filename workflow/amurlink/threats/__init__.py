"""Threats: roads and logging that cut corridors, and scenarios against the baseline."""
