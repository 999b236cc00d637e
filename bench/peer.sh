#!/usr/bin/env bash
# Sourced by every benchmark that runs the PyTorch peer (Debian's python3-torch, PyTorch 1.13,
# run with /usr/bin/python3). On a fresh Debian machine that package's libblas.so.3 is the
# reference BLAS, 10-100x slower than a real one on matrix products: a ratio against it is not a
# result. `fair_peer` installs OpenBLAS (libopenblas0-pthread, which takes over libblas.so.3 through
# Debian's alternatives), then checks in a PyTorch process, after a matrix product, which BLAS
# library is really mapped; it fails, and the caller prints no ratio, unless that is OpenBLAS.
#
# It also unsets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for the peer (some machines set them to
# work around old OpenBLAS builds; they slow a current one) and reports the kernel OpenBLAS picks.
# Usage: source bench/peer.sh; fair_peer || exit 1; peer_python script.py args...

apt_install() {
  local install="apt-get install -y -q $*"
  (timeout 600 sh -c "$install || (apt-get update -q && $install)" \
    || timeout 600 sudo -n sh -c "$install || (apt-get update -q && $install)") > /dev/null 2>&1
}

# Runs the peer's Python with the BLAS environment a fair comparison needs.
peer_python() {
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$@"
}

fair_peer() {
  if ! /usr/bin/python3 -c "import torch" > /dev/null 2>&1; then
    apt_install python3-torch || { echo "peer: python3-torch cannot be installed" >&2; return 1; }
  fi
  if ! dpkg -s libopenblas0-pthread > /dev/null 2>&1; then
    apt_install libopenblas0-pthread \
      || { echo "peer: libopenblas0-pthread cannot be installed; no ratio against PyTorch" >&2; return 1; }
  fi
  local probe
  probe=$(peer_python - <<'PY'
import ctypes, torch
a = torch.randn(512, 512)
(a @ a).sum().item()
libs = sorted({line.split()[-1] for line in open("/proc/self/maps")
               if "blas" in line.split()[-1]})
core = "?"
for lib in libs:
    if "openblas" in lib:
        try:
            f = ctypes.CDLL(lib).openblas_get_corename
            f.restype = ctypes.c_char_p
            core = f().decode()
        except (OSError, AttributeError):
            pass
print(torch.__version__, core, " ".join(libs))
PY
  ) || { echo "peer: PyTorch does not run" >&2; return 1; }
  PEER_TORCH=$(echo "$probe" | awk '{print $1}')
  PEER_CORE=$(echo "$probe" | awk '{print $2}')
  PEER_BLAS=$(echo "$probe" | cut -d' ' -f3-)
  export PEER_TORCH PEER_CORE PEER_BLAS
  case "$PEER_BLAS" in
    *openblas*) echo "peer: PyTorch $PEER_TORCH, BLAS $PEER_BLAS (OpenBLAS kernel $PEER_CORE)" ;;
    *) echo "peer: PyTorch $PEER_TORCH maps $PEER_BLAS, not OpenBLAS: refusing to print a ratio" >&2
       return 1 ;;
  esac
}
