"""Matching a clip against the bank: the one recipe and its named stages."""
