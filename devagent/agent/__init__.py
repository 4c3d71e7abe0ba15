"""The agent loop: prompts, context, budget, plan, sub-agents, trajectory."""
