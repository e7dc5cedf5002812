#!/usr/bin/env bash
# The Pi install, checked on a real aarch64 userland (run as root on an x86 or arm64 Debian/Ubuntu machine):
#
#   sudo systemd/pi-check.sh            (or: sudo make pi-check)
#
# It builds a Debian Bookworm arm64 root with debootstrap (--foreign, then the second stage under qemu-user-static
# through binfmt_misc), installs Bookworm's python3.11, python3-venv and python3-numpy 1.24.2 (what Raspberry Pi OS
# Bookworm has under apt's picamera2), then installs this working tree the way systemd/PI_GUIDE.md says:
#
#   python3 -m venv --system-site-packages /opt/sousveillance/venv
#   /opt/sousveillance/venv/bin/pip install -c systemd/pi-constraints.txt '.[pi]'
#
# and runs `sousveillance demo` to completion. It proves that the aarch64 wheels (numpy, opencv-python-headless,
# ncnn, pyproj, ...) install and that the NCNN runtime runs the shipped model on arm64, without PyTorch. It says
# nothing about speed: everything runs under emulation.
#
# The emulated CPU is a Cortex-A72, the Raspberry Pi 4's (PI_CHECK_CPU=cortex-a76 for the Pi 5's): a wheel built
# for a newer ARM than the Pi's would stop here with "Illegal instruction". Emulated, the shipped model takes about
# 13-25 s a frame on 2 x86 cores, so the demo stops after PI_CHECK_FRAMES frames (default 20: the first camera of
# the sample walk is found and placed by then); PI_CHECK_FRAMES=all replays the whole walk (150 frames, 34 minutes
# on 2026-12-03).
#
# The root and pip's download cache are kept in PI_CHECK_DIR (default /var/cache/sousveillance/pi-check), so a
# second run only rebuilds the venv. PI_CHECK_MIRROR sets the Debian mirror (default http://deb.debian.org/debian).
# PI_CHECK_FRESH=1 rebuilds the root from scratch. Exit status 0: the demo ran and found cameras; 1: a step failed.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
DIR=${PI_CHECK_DIR:-/var/cache/sousveillance/pi-check}
MIRROR=${PI_CHECK_MIRROR:-http://deb.debian.org/debian}
CPU=${PI_CHECK_CPU:-cortex-a72}
FRAMES=${PI_CHECK_FRAMES:-20}
ROOT="$DIR/root"
PIP_CACHE="$DIR/pip-cache"
SUITE=bookworm
# What Raspberry Pi OS Lite Bookworm brings for us: Python 3.11 with venv, and apt's numpy that picamera2 is built on.
PACKAGES=python3,python3-venv,python3-numpy,ca-certificates

step() { printf '\n== %s (%ds)\n' "$*" "$SECONDS"; }
die() { echo "pi-check: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap and chroot need it): sudo $0"

# -- host tools --------------------------------------------------------------------------------------------------------
if [ "$(uname -m)" != aarch64 ]; then
  need=()
  command -v debootstrap >/dev/null || need+=(debootstrap)
  [ -x /usr/bin/qemu-aarch64-static ] || need+=(qemu-user-static)
  command -v update-binfmts >/dev/null || need+=(binfmt-support)
  if [ ${#need[@]} -gt 0 ]; then
    step "installing ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive \
           apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; }
  fi
  # The kernel runs arm64 programs through qemu once binfmt_misc knows the format. Every program of the root (apt,
  # dpkg's maintainer scripts, pip's subprocesses) is started by another one, so running qemu by hand is not enough.
  if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null \
      || die "cannot mount binfmt_misc (a container without it cannot run an arm64 root)"
  fi
  if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    update-binfmts --enable qemu-aarch64 2>/dev/null || update-binfmts --import qemu-aarch64 \
      || die "cannot register qemu-aarch64 with binfmt_misc"
  fi
  grep -q '^enabled' /proc/sys/fs/binfmt_misc/qemu-aarch64 || die "binfmt_misc has qemu-aarch64 but it is disabled"
fi

# -- the arm64 root (kept between runs) --------------------------------------------------------------------------------
mounted=()
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
bind() { mkdir -p "$2"; mount --bind "$1" "$2"; mounted+=("$2"); }

if [ "${PI_CHECK_FRESH:-0}" = 1 ] || [ ! -e "$ROOT/.pi-check-root" ]; then
  [ -d "$ROOT" ] && { grep -q " $ROOT/" /proc/mounts && die "something is still mounted under $ROOT"; rm -rf "$ROOT"; }
  mkdir -p "$ROOT"
  step "debootstrap $SUITE arm64, first stage, from $MIRROR"
  debootstrap --arch=arm64 --variant=minbase --foreign --include="$PACKAGES" "$SUITE" "$ROOT" "$MIRROR" >"$DIR/debootstrap.log" 2>&1 \
    || { tail -n 20 "$DIR/debootstrap.log" >&2; die "debootstrap (first stage) failed; log: $DIR/debootstrap.log"; }
  # A binfmt entry without the F flag looks for the interpreter inside the root.
  cp /usr/bin/qemu-aarch64-static "$ROOT/usr/bin/" 2>/dev/null || true
  step "debootstrap second stage (arm64 programs under qemu)"
  chroot "$ROOT" /debootstrap/debootstrap --second-stage >>"$DIR/debootstrap.log" 2>&1 \
    || { tail -n 20 "$DIR/debootstrap.log" >&2; die "debootstrap (second stage) failed; log: $DIR/debootstrap.log"; }
  rm -f "$ROOT"/var/cache/apt/archives/*.deb
  touch "$ROOT/.pi-check-root"
fi

[ "$(chroot "$ROOT" uname -m)" = aarch64 ] || die "the root does not run as aarch64"
cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"  # pip reaches PyPI from inside the root
# ... and trusts what the host trusts (behind a TLS-inspecting proxy only the host's bundle has its certificate).
HOST_CA=${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}
ROOT_CA=/etc/ssl/certs/ca-certificates.crt
if [ -f "$HOST_CA" ]; then cp -L "$HOST_CA" "$ROOT/etc/ssl/certs/pi-check-host.crt"; ROOT_CA=/etc/ssl/certs/pi-check-host.crt; fi
bind /proc "$ROOT/proc"
bind /sys "$ROOT/sys"
bind /dev "$ROOT/dev"
mkdir -p "$PIP_CACHE"
bind "$PIP_CACHE" "$ROOT/var/cache/pip"

# -- this working tree, installed as on the Pi ------------------------------------------------------------------------
step "copying the working tree into /opt/sousveillance/src"
SRC="$ROOT/opt/sousveillance/src"
rm -rf "$SRC" "$ROOT/opt/sousveillance/venv" "$ROOT/tmp/demo"
mkdir -p "$SRC"
# Tracked and untracked-but-not-ignored files, as they are on disk (so an uncommitted change is what gets checked).
(cd "$REPO" && git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | tar --null -T - -cf -) | tar -x -C "$SRC"

in_root() {
  chroot "$ROOT" /usr/bin/env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
    PIP_CACHE_DIR=/var/cache/pip PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_DEFAULT_TIMEOUT=120 PIP_CERT="$ROOT_CA" \
    QEMU_CPU="$CPU" ${PIP_INDEX_URL:+PIP_INDEX_URL="$PIP_INDEX_URL"} "$@"
}

step "python3 -m venv --system-site-packages; pip install -c systemd/pi-constraints.txt '.[pi]'"
in_root /bin/sh -ec '
  cd /opt/sousveillance/src
  python3 --version
  python3 -m venv --system-site-packages /opt/sousveillance/venv
  /opt/sousveillance/venv/bin/pip install -q -c systemd/pi-constraints.txt ".[pi]"
'

step "what the venv holds"
in_root /opt/sousveillance/venv/bin/python - <<'EOF'
import importlib.util, platform, sys
import cv2, ncnn, numpy, pyproj
print("machine", platform.machine(), "python", sys.version.split()[0])
print("numpy", numpy.__version__, "from", numpy.__file__)
print("opencv", cv2.__version__, "ncnn", ncnn.__version__, "pyproj", pyproj.__version__)
heavy = [m for m in ("torch", "ultralytics") if importlib.util.find_spec(m)]
if heavy:
    sys.exit(f"the base install pulled {', '.join(heavy)}")
print("no torch, no ultralytics")
EOF

max_frames=()
[ "$FRAMES" = all ] || max_frames=(--max-frames "$FRAMES")
step "sousveillance demo ${max_frames[*]} (emulated $CPU)"
in_root /bin/sh -ec 'mkdir -p /tmp/demo && cd /tmp/demo && exec /opt/sousveillance/venv/bin/sousveillance demo "$@"' \
  demo --no-progress "${max_frames[@]}" | tee "$DIR/demo.log" || die "sousveillance demo failed (see above)"
grep -Eq '^walk [0-9]+: completed, [0-9]+ frames, [1-9][0-9]* cameras' "$DIR/demo.log" \
  || die "the demo did not report a completed walk with cameras found (see above)"

step "pi-check passed: the Pi install runs the demo on arm64 ($CPU, Bookworm, python3.11, no PyTorch)"
