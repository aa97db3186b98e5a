"""promptlint: find what makes LLM calls expensive, in the source, before it ships."""

__version__ = "0.1.0"
