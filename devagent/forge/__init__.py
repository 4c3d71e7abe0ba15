"""Pull requests and issue comments on a forge (GitHub REST)."""
