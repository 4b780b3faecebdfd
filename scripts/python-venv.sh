#!/usr/bin/env bash
# Creates (or updates) the project's Python venv at .venv for the cross-language tests and benches.
#   bash scripts/python-venv.sh            -> numpy, pyarrow, pandas, polars, the Jupyter client side
#                                             (jupyter_client, nbformat, nbclient, nbconvert) for the kernel tests,
#                                             and JupyterLab with ipywidgets (jupyterlab_widgets, jupyter-builder) for
#                                             building the widgets extension and the browser test
#   bash scripts/python-venv.sh --bench    -> also torch and jax (peer benchmarks, fixture scripts)
# Where pip is configured with a local package mirror as an extra index (an offline machine), the mirror
# is made the index for this install, so pip does not retry an unreachable default index for minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
extra=$("$PY" -m pip config list 2>/dev/null | sed -n "s/^global\.extra-index-url='\(.*\)'$/\1/p" | head -n1 || true)
if [ -n "$extra" ] && [ -z "${PIP_INDEX_URL:-}" ]; then
  first=${extra%% *}
  rest=${extra#"$first"}
  export PIP_INDEX_URL="$first"
  export PIP_EXTRA_INDEX_URL="${rest# }"
fi
pkgs=(numpy pyarrow pandas polars jupyter_client nbformat nbclient nbconvert jupyterlab jupyterlab_widgets ipywidgets)
if [ "${1:-}" = "--bench" ]; then pkgs+=(torch jax jaxlib scipy); fi
.venv/bin/python -m pip install -q --disable-pip-version-check "${pkgs[@]}"
.venv/bin/python -c "import numpy, pyarrow, jupyter_client, nbconvert, jupyterlab; print('python venv ready: numpy', numpy.__version__, 'pyarrow', pyarrow.__version__, 'jupyter_client', jupyter_client.__version__, 'nbconvert', nbconvert.__version__, 'jupyterlab', jupyterlab.__version__)"
