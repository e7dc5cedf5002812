"""Everything that runs on the Pi: capture, GPS, detection, tracking, geolocation, store, review, CLI."""
