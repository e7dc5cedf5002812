"""sousveillance.device.track."""
