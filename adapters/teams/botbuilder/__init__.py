"""The botbuilder backend of the Teams adapter: every botbuilder import of Clueline lives in this folder."""

from adapters.teams.botbuilder.adapter import TeamsAdapter

__all__ = ["TeamsAdapter"]
