"""sousveillance.device.service."""
