"""Trygg: the open platform for municipal and police crime-prevention work."""
