"""Self-contained HTML pages about runs: one file each, styles and charts inline, no network."""
