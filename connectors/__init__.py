"""Connectors: typed access to public weather and finance APIs."""
