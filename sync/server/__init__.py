"""sousveillance.sync.server."""
