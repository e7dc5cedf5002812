"""sousveillance.models.data."""
