"""Formats: how vectors and models are written to and read from disk."""
