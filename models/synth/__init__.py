"""sousveillance.models.synth."""
