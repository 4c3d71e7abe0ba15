"""Tools from MCP servers: the person's config, the client, the tools the model sees. The SDK is
imported only when a server is configured."""
