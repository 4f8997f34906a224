#!/usr/bin/env bash
# Checks the Dockerfile's runtime stage without a Docker engine (none runs on the development
# machines): builds the binary as the build stage does (--static-swift-stdlib), makes a Debian 12
# minbase root with debootstrap, installs exactly the runtime stage's packages, and runs the
# binary there: a quick fleet sweep and merge (gnuplot plots), a measured profile (OpenBLAS)
# and a recommendation. Needs root, debootstrap and network access to deb.debian.org.
#
#   Scripts/check-image-runtime.sh [ROOT]     (default /tmp/deploy-advisor-runtime)
set -euo pipefail
root=${1:-/tmp/deploy-advisor-runtime}
packages=$(sed -n 's/.*install -y --no-install-recommends \(libopenblas0-pthread[^\\]*\)\\/\1/p' Dockerfile)
[ -n "$packages" ] || { echo "cannot read the runtime packages from Dockerfile" >&2; exit 2; }
swift build -c release --product deploy-advisor --static-swift-stdlib --scratch-path .build-static
[ -x "$root/bin/sh" ] || debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian
cp /etc/resolv.conf "$root/etc/"
chroot "$root" /bin/sh -c "export DEBIAN_FRONTEND=noninteractive; apt-get -q update >/dev/null && apt-get -q install -y --no-install-recommends $packages >/dev/null"
mkdir -p "$root/opt/deploy-advisor" "$root/proc"
cp .build-static/release/deploy-advisor "$root/usr/local/bin/"
cp -r fleets reports "$root/opt/deploy-advisor/"
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
trap 'umount "$root/proc"' EXIT
echo "runtime packages: $packages"
echo "shared libraries: $(chroot "$root" ldd /usr/local/bin/deploy-advisor | awk '{print $1}' | tr '\n' ' ')"
chroot "$root" /bin/sh -ec '
  cd /opt/deploy-advisor
  deploy-advisor sweep fleets/example.yaml --quick --out /tmp/sweep 2>/dev/null | tail -1
  deploy-advisor merge /tmp/sweep --out /tmp/fleet-report
  echo "plots: $(grep -c "<svg" /tmp/fleet-report/index.html)"
  deploy-advisor profile mobilenetv2 --measure --iterations 5 | tail -3
  deploy-advisor recommend reports/production-aks/workload.yaml --cache-dir /tmp/cache | head -1'
