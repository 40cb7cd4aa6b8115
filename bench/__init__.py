"""Benchmarks (``make bench``), outside the product package."""
