"""Shared building blocks that import no domain app: spatial reference handling and database helpers."""
