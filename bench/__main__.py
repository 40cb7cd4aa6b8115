"""``python -m bench`` (``make bench``): the whole benchmark suite (``bench.suite``)."""

from bench.suite import main

main()
