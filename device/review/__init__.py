"""sousveillance.device.review."""
