#!/usr/bin/env bash
# Installs the Debian packages image/build and the VM tests need, if missing, and says what it installs.
set -euo pipefail
NEEDS=(
  "debootstrap:debootstrap" "mksquashfs:squashfs-tools" "unsquashfs:squashfs-tools" "sfdisk:fdisk" "mcopy:mtools"
  "mkfs.vfat:dosfstools" "mkfs.ext4:e2fsprogs" "cpio:cpio" "depmod:kmod" "grub-editenv:grub-common"
  "qemu-system-x86_64:qemu-system-x86"
)
FILES=("/usr/lib/grub/x86_64-efi/linux.mod:grub-efi-amd64-bin" "/usr/share/OVMF/OVMF_CODE.fd:ovmf")
missing=()
for pair in "${NEEDS[@]}"; do command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}"); done
for pair in "${FILES[@]}"; do [ -e "${pair%%:*}" ] || missing+=("${pair#*:}"); done
if [ ${#missing[@]} -eq 0 ]; then echo "VM test dependencies: all present"; exit 0; fi
echo "VM test dependencies: installing ${missing[*]} with apt-get"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "VM test dependencies: installed ${missing[*]}"
