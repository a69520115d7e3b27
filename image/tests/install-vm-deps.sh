#!/usr/bin/env bash
# Installs the Debian packages image/build and the VM tests need, if missing, and says what it installs.
set -euo pipefail
PACKAGES=(debootstrap squashfs-tools fdisk mtools dosfstools e2fsprogs cpio kmod grub-common grub-efi-amd64-bin ovmf qemu-system-x86)
read -ra missing <<<"$(for p in "${PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || printf '%s ' "$p"; done)"
if [ ${#missing[@]} -eq 0 ]; then echo "VM test dependencies: all present"; exit 0; fi
echo "VM test dependencies: installing ${missing[*]} with apt-get"
[ "$(id -u)" -eq 0 ] || { echo "VM test dependencies: run as root (image/build needs it too)" >&2; exit 2; }
DEBIAN_FRONTEND=noninteractive apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "VM test dependencies: installed ${missing[*]}"
