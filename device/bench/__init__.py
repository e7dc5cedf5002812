"""sousveillance.device.bench."""
