"""The balancing model: pools, constraint families, assembly."""
