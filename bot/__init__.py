"""briefbot: answers questions about live weather and finance data, citing source and time."""

__version__ = "0.1.0"
