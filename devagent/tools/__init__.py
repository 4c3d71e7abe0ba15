"""The agent-computer interface: the tools the model calls."""
