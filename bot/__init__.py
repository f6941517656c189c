"""briefbot: answers questions about live weather and finance data, citing source and time."""

from connectors.version import __version__

__all__ = ["__version__"]
