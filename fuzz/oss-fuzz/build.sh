#!/bin/bash -eu
# build.sh — OSS-Fuzz / ClusterFuzzLite build of the Unmanageable fuzz targets.
#
# The infrastructure provides $CC/$CXX (clang), $CFLAGS/$CXXFLAGS (sanitizer and coverage flags
# for the chosen sanitizer), $LIB_FUZZING_ENGINE (libFuzzer, AFL++ or honggfuzz driver), $SRC
# and $OUT. We configure the project with UNM_FUZZ=ON and hand the engine over through
# UNM_FUZZ_ENGINE, so fuzz/CMakeLists.txt adds no sanitizer flags of its own; then copy each
# target with its seed corpus (<target>_seed_corpus.zip) and dictionary (<target>.dict) to $OUT.
SRC_DIR="${UNM_SRC_DIR:-$SRC/unmanageable}"
BUILD_DIR="${WORK:-/tmp}/unm-fuzz-build"

TARGETS="eio_packet eio_payload sio_packet group_tree event_args server_dispatch vector_file scenario_file"

cmake -S "$SRC_DIR" -B "$BUILD_DIR" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DUNM_FUZZ=ON \
  -DUNM_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" \
  -DUNM_BUILD_TESTS=OFF \
  -DUNM_BUILD_BENCH=OFF

for t in $TARGETS; do
  cmake --build "$BUILD_DIR" --target "fuzz_$t" -j"$(nproc)"
  cp "$BUILD_DIR/fuzz/fuzz_$t" "$OUT/fuzz_$t"
  if [ -d "$SRC_DIR/fuzz/corpus/$t" ]; then
    (cd "$SRC_DIR/fuzz/corpus/$t" && zip -q -r "$OUT/fuzz_${t}_seed_corpus.zip" .)
  fi
  if [ -f "$SRC_DIR/fuzz/dict/$t.dict" ]; then
    cp "$SRC_DIR/fuzz/dict/$t.dict" "$OUT/fuzz_$t.dict"
  fi
done
