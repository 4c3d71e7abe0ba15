"""How many sandboxes one machine runs at once, from its cores and memory. Pure."""

from __future__ import annotations

GIB = 1024**3
PER_SANDBOX_MEMORY = 2 * GIB
"""What a sandbox typically uses (a test run, the project's build); its hard limit is higher."""
PER_SANDBOX_CORES = 1.0
RESERVED_MEMORY = 1 * GIB
"""Left to the operating system, Ray's own processes and devagent's agent loops."""


def sandbox_slots(
    cores: int,
    memory_bytes: int,
    *,
    per_sandbox_memory: int = PER_SANDBOX_MEMORY,
    per_sandbox_cores: float = PER_SANDBOX_CORES,
    reserved_memory: int = RESERVED_MEMORY,
) -> int:
    """One slot per `per_sandbox_cores` cores and per `per_sandbox_memory` bytes of the memory
    left after `reserved_memory`, whichever gives fewer; 0 when not even one sandbox fits."""
    if per_sandbox_memory <= 0 or per_sandbox_cores <= 0:
        raise ValueError("a sandbox needs some memory and some cores")
    by_cores = int(max(cores, 0) // per_sandbox_cores)
    by_memory = max(memory_bytes - reserved_memory, 0) // per_sandbox_memory
    return min(by_cores, by_memory)
