"""Console users: the user manager API and the use cases the console, CLI and seed share."""
