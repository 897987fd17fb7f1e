#!/usr/bin/env bash
# One command installs livecut (Debian/Ubuntu; elsewhere install ffmpeg yourself):
#   ./install.sh          livecut and the system packages it needs (ffmpeg, OpenCV's libGL and GLib, python3-venv)
#   ./install.sh --dev    also what the tests need (pytest, Ray, onnx and onnxruntime, GStreamer's RTSP server)
# Python packages go into the active virtual environment, or else into .venv in this
# checkout (created here): a stock system Python refuses `pip install` (PEP 668).
# PYTHON=/path/to/python3.x picks the interpreter for .venv (3.11 or newer).
set -euo pipefail
cd "$(dirname "$0")"

dev=0
for arg in "$@"; do
    case "$arg" in
        --dev) dev=1 ;;
        -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown option $arg (use --dev or --help)" >&2; exit 2 ;;
    esac
done

# ---- system packages (only the missing ones; no sudo prompt when all are there)
lists=(.ci/apt-packages.txt)
[ "$dev" = 1 ] && lists+=(.ci/apt-packages-dev.txt)
if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
    missing=()
    for pkg in $(grep -hv '^\s*#' "${lists[@]}"); do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        SUDO=""
        if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
        echo "install.sh: installing system packages: ${missing[*]}" >&2
        export DEBIAN_FRONTEND=noninteractive
        $SUDO apt-get update -qq
        $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
else
    echo "install.sh: no apt-get here; install ffmpeg yourself" \
         "(GStreamer's RTSP server is only needed by the network tests)" >&2
fi

# ---- Python environment: the active virtual environment, else .venv here
if [ -n "${VIRTUAL_ENV:-}" ]; then
    py="$VIRTUAL_ENV/bin/python"
    where="the active virtual environment ($VIRTUAL_ENV)"
    run_hint="livecut"
else
    if [ ! -x .venv/bin/python ]; then
        base="${PYTHON:-python3}"
        if ! "$base" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "install.sh: livecut needs Python 3.11 or newer; $base is" \
                 "$("$base" --version 2>&1 || echo missing) (set PYTHON=/path/to/python3.11)" >&2
            exit 1
        fi
        rm -rf .venv
        if ! "$base" -m venv .venv; then
            echo "install.sh: '$base -m venv' failed; on Debian/Ubuntu install python3-venv" >&2
            exit 1
        fi
    elif [ -n "${PYTHON:-}" ]; then
        echo "install.sh: .venv exists already ($(.venv/bin/python --version 2>&1)): PYTHON=$PYTHON" \
             "is used only when it is made; remove .venv to make it with $PYTHON" >&2
    fi
    py=.venv/bin/python
    where=".venv"
    run_hint=".venv/bin/livecut (or '. .venv/bin/activate', then livecut)"
fi
extras="vcam,heic"
[ "$dev" = 1 ] && extras="dev,vcam,ray,heic"
"$py" -m pip install -q --disable-pip-version-check -e ".[$extras]"
echo "livecut installed into $where: run $run_hint"
