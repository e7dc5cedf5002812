"""sousveillance.sync."""
