"""A synthetic municipality (modelled on Sundsvall) for demos, tests and benchmarks."""
