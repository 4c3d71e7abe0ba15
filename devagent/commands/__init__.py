"""Subcommands that wire the packages together for the terminal: one module per command."""
