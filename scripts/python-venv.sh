#!/usr/bin/env bash
# Creates (or updates) a Python venv for ntk-lab: by default the repository's .venv for the tests and benches.
#   bash scripts/python-venv.sh            -> numpy, scipy (the tile-store tests' references), pyarrow, pandas, polars, pyyaml and jsonschema (the tile jobs'
#                                             Kubernetes manifest check), ray (the Ray executor's two-node
#                                             cluster test), the Jupyter client side
#                                             (jupyter_client, nbformat, nbclient, nbconvert) for the kernel tests,
#                                             and JupyterLab with ipywidgets (jupyterlab_widgets, jupyter-builder) for
#                                             building the widgets extension and the browser test
#   bash scripts/python-venv.sh --bench    -> also torch and jax (peer benchmarks, fixture scripts)
#   bash scripts/python-venv.sh --lab --venv DIR
#                                          -> only what JupyterLab with the ntk-lab kernel and widgets needs
#                                             (jupyterlab, ipywidgets, nbclient), in DIR: what `ntk-lab start` runs
#                                             from an installed package (DIR = <project>/.venv)
# Where pip is configured with a local package mirror as an extra index (an offline machine), the mirror
# is made the index for this install, so pip does not retry an unreachable default index for minutes.
set -euo pipefail
mode=test
venv=
while [ $# -gt 0 ]; do
  case "$1" in
    --bench) mode=bench ;;
    --lab) mode=lab ;;
    --venv) venv=${2:?--venv needs a folder}; shift ;;
    *) echo "python-venv.sh: unknown option $1 (--bench, --lab, --venv DIR)" >&2; exit 2 ;;
  esac
  shift
done
# The venv's path before the cd below, so a relative --venv is the caller's.
if [ -n "$venv" ]; then venv=$(mkdir -p "$venv" && cd "$venv" && pwd); fi
cd "$(dirname "$0")/.."
venv=${venv:-$PWD/.venv}
PY=${PYTHON:-python3}
if [ ! -x "$venv/bin/python" ]; then
  "$PY" -m venv "$venv" || { echo "python-venv.sh: '$PY -m venv' failed: ntk-lab needs Python 3.10+ with its venv module (Debian/Ubuntu: apt-get install python3-venv; or set PYTHON=/path/to/python3)" >&2; exit 1; }
fi
extra=$("$PY" -m pip config list 2>/dev/null | sed -n "s/^global\.extra-index-url='\(.*\)'$/\1/p" | head -n1 || true)
if [ -n "$extra" ] && [ -z "${PIP_INDEX_URL:-}" ]; then
  first=${extra%% *}
  rest=${extra#"$first"}
  export PIP_INDEX_URL="$first"
  export PIP_EXTRA_INDEX_URL="${rest# }"
fi
case "$mode" in
  lab) pkgs=(jupyterlab jupyterlab_widgets ipywidgets jupyter_client nbformat nbclient) ;;
  *) pkgs=(numpy scipy pyarrow pandas polars jupyter_client nbformat nbclient nbconvert jupyterlab jupyterlab_widgets ipywidgets pyyaml jsonschema ray) ;;
esac
if [ "$mode" = bench ]; then pkgs+=(torch jax jaxlib); fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check "${pkgs[@]}"
if [ "$mode" = lab ]; then
  "$venv/bin/python" -c "import sys, jupyterlab, ipywidgets, nbclient; print('python venv ready in', sys.prefix + ': jupyterlab', jupyterlab.__version__, 'ipywidgets', ipywidgets.__version__, 'nbclient', nbclient.__version__)"
else
  "$venv/bin/python" -c "import numpy, pyarrow, jupyter_client, nbconvert, jupyterlab; print('python venv ready: numpy', numpy.__version__, 'pyarrow', pyarrow.__version__, 'jupyter_client', jupyter_client.__version__, 'nbconvert', nbconvert.__version__, 'jupyterlab', jupyterlab.__version__)"
fi
