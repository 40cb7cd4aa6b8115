"""Development support shared by the tests and the benchmarks; outside the product package (never imported by it)."""
