"""Citizen reports of door-plate problems (missing, damaged, misplaced plates), with an optional photo."""
