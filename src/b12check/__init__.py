"""b12check: decision support for muscle pain, cramps and tingling from vitamin B12 deficiency."""

__version__ = "0.1.0"
