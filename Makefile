.PHONY: pi-check

# The Pi install checked on an emulated Debian Bookworm arm64 root (as root; see systemd/PI_GUIDE.md). Slow: not
# part of the tests.
pi-check:
	systemd/pi-check.sh
