class InventoryError(Exception):
    """A request the stock cannot satisfy; the CLI prints it and exits with status 2."""
