"""The end-to-end scenario: a buggy `calc.py`, its issue, its check, and the fixing replies."""

from __future__ import annotations

BUGGY = "def add(a, b):\n    return a - b\n"
CHECK = "python3 -c 'import calc; assert calc.add(2, 3) == 5, calc.add(2, 3)'"
ISSUE = "# add() subtracts\n\n`calc.add(2, 3)` returns -1; it should return 5.\n"
FIX = [
    {"content": "Reading it.", "tool_calls": [{"name": "view", "arguments": {"path": "calc.py"}}]},
    {
        "content": "The operator is wrong.",
        "tool_calls": [
            {"name": "replace", "arguments": {"path": "calc.py", "old": "a - b", "new": "a + b"}}
        ],
    },
    {"content": "Done.", "tool_calls": [{"name": "submit", "arguments": {"summary": "add adds"}}]},
]
