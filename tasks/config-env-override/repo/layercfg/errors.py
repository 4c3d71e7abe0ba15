class ConfigError(Exception):
    """A configuration source is missing or holds an invalid value."""
