"""sousveillance.device.gps."""
