"""devagent: a sandboxed, code-executing developer agent."""

__version__ = "0.1.0"
