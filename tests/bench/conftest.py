"""Bench tests: the fixture task repos hold their own test files, which are data, not our tests."""

collect_ignore_glob = ["fixtures/*"]
