# Shared by .ci/install, .ci/install-ray and .ci/install-vision (sourced, not run).

# ci_pip VENV ARGS...: pip install ARGS into the virtualenv VENV, quietly (pip's note about
# the editable checkout's paths dropped).
ci_pip() {
    local venv=$1
    shift
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "$@" 2>&1 \
        | { grep -v "is ignored: it is neither a file nor a directory" || true; }
}

# ci_pip_checkout VENV SPEC: install this checkout (SPEC such as -e ".[dev]") into VENV, one
# environment at a time: .ci/run builds the three environments at once, and each build of the
# checkout writes rlgan.egg-info into it.
ci_pip_checkout() {
    local venv=$1 lock
    shift
    if command -v flock >/dev/null 2>&1; then
        exec {lock}>.ci-install.lock
        flock "$lock"
        ci_pip "$venv" "$@"
        flock -u "$lock"
        exec {lock}>&-
    else
        ci_pip "$venv" "$@"
    fi
}
