"""The contact network from network.toml: its schema, duty hours, geometry and the analysis
`check-config` prints. Every layer may read it."""
