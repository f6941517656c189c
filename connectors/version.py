"""The version string, at the bottom layer: connectors send it in their User-Agent."""

__version__ = "0.1.0"
