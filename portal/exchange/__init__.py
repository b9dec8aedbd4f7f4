"""Data exchange with the sector database: the ministry mapping, XML signatures, packages. Pure."""
