#!/usr/bin/env bash
# Builds the base images Dockerfile.origin names (node:20-bookworm and node:20-bookworm-slim) from
# Debian packages, because these machines reach no container registry. Each is a `debootstrap
# --variant=minbase bookworm` root with this machine's own Node.js and npm and a `node` user; the
# full one adds python3, make and g++ for native addons. The Dockerfile itself stays the one a user
# builds against the real node images. Usage: container-base-images.sh [podman args…]
set -euo pipefail
podman=(podman "$@")
slim=docker.io/library/node:20-bookworm-slim
full=docker.io/library/node:20-bookworm

if "${podman[@]}" image exists "$slim" && "${podman[@]}" image exists "$full"; then
  echo "base images present: $slim, $full"
  exit 0
fi

work=$(mktemp -d /var/tmp/pixelfront-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"

debootstrap --variant=minbase --include=ca-certificates bookworm "$root" >"$work/debootstrap.log" 2>&1 || {
  tail -n 20 "$work/debootstrap.log" >&2
  exit 1
}

# This machine's Node.js and npm, as the official image has them in /usr/local.
node_bin=$(command -v node)
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
install -D -m 0755 "$node_bin" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
# The machine's trust store, so npm reaches the registry the way the machine does.
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
chroot "$root" useradd --uid 1000 --create-home --shell /bin/bash node
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/*

changes=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' --change 'CMD ["node"]')
tar -C "$root" -c . | "${podman[@]}" import "${changes[@]}" - "$slim" >/dev/null

# The build image: the same root plus the compilers node-gyp needs.
cp /etc/resolv.conf "$root/etc/resolv.conf"
chroot "$root" apt-get update -qq >"$work/apt.log" 2>&1
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 make g++ >>"$work/apt.log" 2>&1 || {
  tail -n 20 "$work/apt.log" >&2
  exit 1
}
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | "${podman[@]}" import "${changes[@]}" - "$full" >/dev/null
echo "built base images: $slim, $full"
