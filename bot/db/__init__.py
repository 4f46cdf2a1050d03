"""Storage: the async engine, sessions, core tables and migrations."""
