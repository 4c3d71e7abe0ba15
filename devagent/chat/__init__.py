"""`devagent chat`: a pair-programming session in the terminal over a sandboxed workspace.
The command is `devagent.chat.run.run_chat`; its flags are in `devagent.commands.chat`.
"""

from devagent.chat.approval import Decision, command_concern, parse_answer
from devagent.chat.session import ChatSession
from devagent.chat.turn import Answered, ChatUI, Redirected, TurnResult
from devagent.config import ChatConfig

__all__ = [
    "Answered",
    "ChatConfig",
    "ChatSession",
    "ChatUI",
    "Decision",
    "Redirected",
    "TurnResult",
    "command_concern",
    "parse_answer",
]
