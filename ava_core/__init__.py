"""AVA's engine: plain Python, no Azure Functions import, testable with no network."""

__version__ = "0.1.0"
