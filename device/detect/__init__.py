"""sousveillance.device.detect."""
