"""Benchmarks of the platform on demo data (issue 7): run with `bash bench/run.sh`."""
