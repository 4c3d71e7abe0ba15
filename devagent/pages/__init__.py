"""HTML pages people look at: a run, a bench, a comparison (self-contained files)."""
