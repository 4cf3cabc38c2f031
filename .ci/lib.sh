# Shared by .ci/install, .ci/install-ray and .ci/install-vision (sourced, not run).

# ci_pip VENV ARGS...: pip install ARGS into the virtualenv VENV, quietly (pip's note about
# the editable checkout's paths dropped).
ci_pip() {
    local venv=$1
    shift
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "$@" 2>&1 \
        | { grep -v "is ignored: it is neither a file nor a directory" || true; }
}

# ci_pip_checkout VENV SPEC: install this checkout (SPEC such as -e ".[dev]") and what it needs
# into VENV, with uv (pip's resolver and unpacking take ~100 s of CPU here, uv ~15 s); with pip
# where uv cannot be installed. A torch already in VENV is kept (RLGAN_TORCH, pip, above): uv
# does not look for torch on this machine's disk, and an unpinned torch is a CUDA build of GBs.
# --compile-bytecode writes the .pyc files at install time, as pip does: without them, and with
# PYTHONDONTWRITEBYTECODE set, every Python process would compile its imports anew (~3 s each).
# One environment at a time: .ci/run builds the three environments at once, and each build of
# the checkout writes rlgan.egg-info into it.
ci_pip_checkout() {
    local venv=$1 lock=
    shift
    if command -v flock >/dev/null 2>&1; then
        exec {lock}>.ci-install.lock
        flock "$lock"
    fi
    if [ -x "$venv/bin/uv" ] || ci_pip "$venv" "uv>=0.9,<1"; then
        "$venv/bin/uv" pip install -q --compile-bytecode --python "$venv/bin/python" "$@"
    else
        echo "note: uv did not install; installing with pip" >&2
        ci_pip "$venv" "$@"
    fi
    if [ -n "$lock" ]; then
        flock -u "$lock"
        exec {lock}>&-
    fi
}
