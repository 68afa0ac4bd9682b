#!/usr/bin/env bash
# Build the container image: `make image`. Uses docker when its daemon answers, else podman (vfs storage and
# chroot isolation, which work inside an unprivileged container too). PYTHON_IMAGE picks the base image;
# with LOCAL_BASE=1 the base is made here with debootstrap (Debian bookworm's Python 3.11), for machines
# that cannot pull from an image registry.
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${TAG:-techspec:latest}"
base="${PYTHON_IMAGE:-python:3.11-slim-bookworm}"
if docker info >/dev/null 2>&1; then
  engine=(docker)
  build=(docker build)
else
  engine=(podman --storage-driver vfs)
  build=("${engine[@]}" build --isolation chroot --format docker)
fi
if [ "${LOCAL_BASE:-0}" = 1 ]; then
  rootfs="${ROOTFS:-/tmp/techspec-rootfs}"
  if [ ! -x "$rootfs/usr/bin/python3" ]; then
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$rootfs" \
      http://deb.debian.org/debian
  fi
  base="localhost/techspec-base:bookworm"
  tar -C "$rootfs" -c . | "${engine[@]}" import - "$base" >/dev/null
fi
secret=()
# The machine's CA bundle, so pip in the build trusts what pip here trusts (e.g. a TLS-inspecting proxy).
ca="${PIP_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
[ -n "$ca" ] && [ -f "$ca" ] && secret=(--secret "id=pip_ca,src=$ca")
"${build[@]}" "${secret[@]}" --build-arg "PYTHON_IMAGE=$base" -t "$tag" .
echo "built $tag on $base"
