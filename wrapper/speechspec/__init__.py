"""speechspec."""
