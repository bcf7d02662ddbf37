"""Benchmarks: orderwire's GraphQL layer against the bare driver, and live fan-out (`make bench`)."""
