"""The synthetic household register: a deterministic population on the real door plates that matches the
imported village reports (``plan`` builds a village, ``load`` writes the district; ``names`` are the name pools).
Every record is marked synthetic and every national ID lies in the never-issued range."""
