"""Benchmarks run by hand (`python -m bench.<name>`); they are scripts, not tests."""
