"""Disclosure rules shared by every output of population figures (statistics page, analytics, exports)."""

# Household and resident figures of a village with fewer households than this are never published: with so
# few households a count identifies people. One threshold for every output, so no channel leaks what another
# withholds.
MIN_PUBLISHED_HOUSEHOLDS = 3
