"""Task loading, oracle checks, parallel runs and reports."""
