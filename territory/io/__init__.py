"""Reading, validating and writing files."""
