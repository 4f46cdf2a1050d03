"""The Microsoft 365 Agents SDK backend of the Teams adapter (extra `clueline[agents]`): every `microsoft_agents`
import of Clueline lives in this folder."""

from adapters.teams.agents.adapter import AgentsTeamsAdapter

__all__ = ["AgentsTeamsAdapter"]
