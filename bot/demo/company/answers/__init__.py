"""Northpine's knowledge base for the demo: Markdown docs, an FAQ and a campaign calendar (data files)."""
