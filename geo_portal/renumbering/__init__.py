"""Renumbering (門牌整編): plans that rename roads, renumber stretches or move plates between villages, previewed,
approved by a second person and applied atomically to door plates and registrations."""
