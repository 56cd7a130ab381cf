#!/usr/bin/env bash
# Build the documentation site into docs/_build/html, warnings as errors.
#   pip install '.[docs]'   (once)
#   bash docs/build.sh      (from anywhere)
# The lecture pages run their code at build time; nothing is downloaded.
set -euo pipefail
docs="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$docs")"
export PYTHONPATH="$root/src${PYTHONPATH:+:$PYTHONPATH}"

PYTHON="${PYTHON:-python}"
rm -rf "$docs/_build" "$docs/reference/generated"
"$PYTHON" -m sphinx -b html -W --keep-going -q "$docs" "$docs/_build/html" "$@"
echo "built $docs/_build/html/index.html"
