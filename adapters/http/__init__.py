"""What every public HTTP route shares: bounded JSON parsing and a uniform, quiet refusal."""
