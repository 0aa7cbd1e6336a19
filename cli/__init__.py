"""The `territory` command line (installed as the package `territory_cli`)."""
