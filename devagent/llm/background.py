"""A model whose provider client is made on a background thread.

Importing a provider's SDK takes about half a second (the OpenAI SDK's pydantic types); a run
spends that time cloning, checking its image and starting its sandbox instead, which mostly wait
on git and the Docker daemon. The configuration is checked before (by `build_model`), so a
missing key still fails at once; what fails later (an SDK that cannot be imported) is raised at
the first call."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from devagent.background import in_background
from devagent.llm.limits import CallLimits
from devagent.llm.types import Completion, Message, Model, ToolSpec


class BackgroundModel:
    """Stands for the model `build()` makes, which starts being made at once on a daemon thread
    (one that never holds up the process's exit)."""

    def __init__(self, name: str, build: Callable[[], Model]) -> None:
        self.name = name
        self._made: Future[Model] = in_background(build)

    @property
    def model(self) -> Model:
        """The model itself (waits until it is made; raises what making it raised)."""
        return self._made.result()

    def complete(
        self,
        messages: list[Message],
        tools: list[ToolSpec],
        *,
        max_tokens: int = 4096,
        temperature: float = 0.0,
        limits: CallLimits | None = None,
    ) -> Completion:
        return self.model.complete(
            messages, tools, max_tokens=max_tokens, temperature=temperature, limits=limits
        )

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") or attr in ("_made", "name"):
            raise AttributeError(attr)
        return getattr(self.model, attr)
