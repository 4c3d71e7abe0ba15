"""Self-contained HTML pages people look at: a run, a bench, a comparison (one file each, styles
and charts inline, no network)."""
