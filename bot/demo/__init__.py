"""The local demo: a sample company of our own writing and a chat in the terminal."""
