"""Tables of this feature (filled in as the feature lands)."""
