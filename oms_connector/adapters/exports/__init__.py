"""Writers that turn closed statements into files accounting and clients read."""
