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
# Debian's OpenBLAS 0.3.21 does not know every newer CPU and then falls back to its generic
# Prescott (SSE3) kernels, 3x slower on this project's 2-core Xeon (LeNet-300-100 training: 7.6k
# samples/s): when it reports Prescott on a CPU with AVX-512 or AVX2, the peer runs with
# OPENBLAS_CORETYPE=SkylakeX or Haswell instead, and says so.
# Usage: source bench/peer.sh; fair_peer || exit 1; peer_python script.py args...

apt_install() {
  local install="apt-get install -y -q $*"
  (timeout 600 sh -c "$install || (apt-get update -q && $install)" \
    || timeout 600 sudo -n sh -c "$install || (apt-get update -q && $install)") > /dev/null 2>&1
}

# Runs the peer's Python with the BLAS environment a fair comparison needs.
peer_python() {
  if [ -n "${PEER_CORETYPE:-}" ]; then
    env -u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE="$PEER_CORETYPE" /usr/bin/python3 "$@"
  else
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$@"
  fi
}

# Prints "torch-version openblas-core blas-libraries..." from a PyTorch process.
peer_probe() {
  peer_python - <<'PY'
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
}

fair_peer() {
  if ! /usr/bin/python3 -c "import torch" > /dev/null 2>&1; then
    apt_install python3-torch || { echo "peer: python3-torch cannot be installed" >&2; return 1; }
  fi
  if ! dpkg -s libopenblas0-pthread > /dev/null 2>&1; then
    apt_install libopenblas0-pthread \
      || { echo "peer: libopenblas0-pthread cannot be installed; no ratio against PyTorch" >&2; return 1; }
  fi
  local probe forced=""
  unset PEER_CORETYPE
  probe=$(peer_probe) || { echo "peer: PyTorch does not run" >&2; return 1; }
  if [ "$(echo "$probe" | awk '{print tolower($2)}')" = prescott ]; then
    if grep -qw avx512f /proc/cpuinfo; then PEER_CORETYPE=SkylakeX
    elif grep -qw avx2 /proc/cpuinfo; then PEER_CORETYPE=Haswell
    fi
    if [ -n "${PEER_CORETYPE:-}" ]; then
      export PEER_CORETYPE
      forced=", forced: OpenBLAS picked Prescott on a CPU with $( [ "$PEER_CORETYPE" = SkylakeX ] && echo AVX-512 || echo AVX2)"
      probe=$(peer_probe) || { echo "peer: PyTorch does not run" >&2; return 1; }
    fi
  fi
  PEER_TORCH=$(echo "$probe" | awk '{print $1}')
  PEER_CORE=$(echo "$probe" | awk '{print $2}')
  PEER_BLAS=$(echo "$probe" | cut -d' ' -f3-)
  export PEER_TORCH PEER_CORE PEER_BLAS
  case "$PEER_BLAS" in
    *openblas*) echo "peer: PyTorch $PEER_TORCH, BLAS $PEER_BLAS (OpenBLAS kernel $PEER_CORE$forced)" ;;
    *) echo "peer: PyTorch $PEER_TORCH maps $PEER_BLAS, not OpenBLAS: refusing to print a ratio" >&2
       return 1 ;;
  esac
}
