"""Customer-voice text analytics: feedback items, sentiment, fingerprints, similarity, terms, redaction, scores, risk.

Platform-free and feature-free: imports only the core, the standard library and libraries, so every feature
may read customer feedback the same way.
"""
