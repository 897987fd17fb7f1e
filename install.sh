#!/usr/bin/env bash
# One command installs everything livecut and its tests need (Debian/Ubuntu):
#   ./install.sh
# system packages (ffmpeg, OpenCV's libGL, GStreamer's RTSP server for the network
# tests), then livecut itself with the virtual-camera and test extras.
set -euo pipefail
cd "$(dirname "$0")"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
if command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    # shellcheck disable=SC2046
    $SUDO apt-get install -y -qq --no-install-recommends $(grep -v '^\s*#' .ci/apt-packages.txt) >/dev/null
else
    echo "install.sh: no apt-get here; install ffmpeg yourself (GStreamer's RTSP server is only needed by the network tests)" >&2
fi
python3 -m pip install -q -e ".[dev,vcam]"
echo "livecut installed: try 'livecut --help'"
