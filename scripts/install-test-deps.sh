#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real, if they are missing, and says what it installs.
# Each line: a command the tests run, and the Debian package that provides it.
set -euo pipefail
NEEDS=(
  "chromium:chromium"          # end-to-end tests (playwright-core drives Debian's chromium)
  "grub-editenv:grub-common"   # cross-checks our GRUB environment blocks (and grub-script-check, image/grub.cfg)
  "sqlite3:sqlite3"            # inspects the database in tests
  "zstd:zstd"                  # .tar.zst backups (the appliance runs the zstd command)
  "nats-server:nats-server"    # the node's local bus: alerts are received by a subscriber on a real server
  "promtool:prometheus"        # checks the /metrics output
  "prometheus-node-exporter:prometheus-node-exporter"  # the baseline of bench/metrics-scrape.mjs
  "/lib/systemd/systemd-journal-remote:systemd-journal-remote"  # writes a real journal file for the logs tests
  "nft:nftables"               # the firewall tests apply our ruleset in a network namespace
  "wg:wireguard-tools"         # cross-checks WireGuard keys (wg pubkey) and reads wg show
  "mokutil:mokutil"            # secure boot state on the security panel
  "ping:iputils-ping"          # mesh ping's ICMP probe
  "ssh-keygen:openssh-client"  # makes a real key for ssh.authorized_keys
  "docker-registry:docker-registry"  # service tests: a real OCI registry on loopback
  "umoci:umoci"                # service tests: builds OCI images
  "skopeo:skopeo"              # service tests: pushes them
  "busybox:busybox-static"     # service tests: the static payload of the images
  "erl:erlang-base"            # service tests: a real OTP release built with systools
  "htpasswd:apache2-utils"     # service tests: the registry's basic auth file
  "sfdisk:fdisk"               # maculaos install writes and the install test reads the GPT
  "mkfs.vfat:dosfstools"       # maculaos install makes the ESP
  "mcopy:mtools"               # maculaos install fills the ESP; the install test reads it back
  "mkfs.ext4:e2fsprogs"        # maculaos install makes the data partition
  "mksquashfs:squashfs-tools"  # the install test makes a real system image
)
missing=()
for pair in "${NEEDS[@]}"; do
  cmd=${pair%%:*}; pkg=${pair#*:}
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "test dependencies: all present"
  exit 0
fi
echo "test dependencies: installing ${missing[*]} with apt-get"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "test dependencies: installed ${missing[*]}"
