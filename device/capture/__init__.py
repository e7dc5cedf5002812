"""sousveillance.device.capture."""
