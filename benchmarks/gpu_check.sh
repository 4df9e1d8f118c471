#!/usr/bin/env bash
# Issue 12's GPU checks as one prepared script, for a session whose task is lent a
# GPU machine (the tool library's `device` entry). From the repository root:
#
#   run(command="bash benchmarks/gpu_check.sh", timeout_s=540)
#
# It runs the array-API tests on the CUDA namespaces that tests/test_array_api.py
# adds when it finds them (torch CUDA tensors, CuPy arrays), then the GPU benchmark
# (W1, batch 256 and 4096, torch CUDA and CuPy against native PyTorch). Logs land in
# $OUT. The machine's image has torch, CuPy, scikit-learn and pytest; if its
# scikit-learn is older than 1.9, carry wheels (device README: put scikit-learn
# 1.9.x and array-api-strict cp312 manylinux wheels in .whl/ and name .whl in carry).
set -o pipefail
OUT=${OUT:-/tmp/gpu_check}
mkdir -p "$OUT"
if ls .whl/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
        --upgrade --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} SCIPY_ARRAY_API=1 PYTHONUNBUFFERED=1
{
    nvidia-smi -L
    python3 -c "import numpy, scipy, sklearn, torch; print('numpy', numpy.__version__,
'scipy', scipy.__version__, 'sklearn', sklearn.__version__, 'torch', torch.__version__,
'cuda', torch.cuda.is_available())"
    python3 -c "import cupy; print('cupy', cupy.__version__)"
} 2>&1 | tee "$OUT/env.txt"
timeout 200 python3 -m pytest -q -p no:cacheprovider tests/test_array_api.py \
    -k "cuda or cupy" 2>&1 | tee "$OUT/tests.log"
timeout 280 python3 benchmarks/bench_gpu.py --repeats 5 2>&1 | tee "$OUT/bench.txt"
