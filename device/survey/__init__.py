"""sousveillance.device.survey."""
