"""Benchmarks: OR-Library instances, synthetic networks, and the phase-timing runner."""
