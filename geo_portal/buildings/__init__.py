"""Building footprints and the link from each door plate to its building."""
