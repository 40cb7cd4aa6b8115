"""Demo data: a deterministic synthetic district generator and the one-shot loader used by ``make demo``."""
