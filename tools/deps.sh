#!/bin/sh
# Installs the Debian packages named on the command line that are not yet present.
# Idempotent and quiet when everything is already installed.
set -eu
missing=""
for p in "$@"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi
echo "installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have empty package lists; refresh them when an install fails.
if ! $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1; then
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
