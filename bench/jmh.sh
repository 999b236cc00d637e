#!/usr/bin/env bash
# JMH micro-benchmarks of Sprig's own kernels (src/test/java/dev/sprig/bench): mask selection
# (TopK), the CSR forward against the engine's dense product, and one sparse convolution layer's
# forward+backward against the engine's dense convolution (SparseConvBenchmark), and a character
# GRU's matrices (RecurrentMatrixBenchmark: projection and recurrent step, forward and both
# gradients, against the engine's dense product with autograd). Arguments go to JMH, e.g.
#   bench/jmh.sh                      # everything
#   bench/jmh.sh CsrKernel -p sparsity=0.9
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test.classpath -Dmdep.includeScope=test
exec java --add-modules jdk.incubator.vector -XX:MaxDirectMemorySize=512m -Dai.djl.offline=true -DOPT_OUT_TRACKING=true \
  -cp "target/test-classes:target/classes:$(cat target/test.classpath)" org.openjdk.jmh.Main "$@"
