#!/usr/bin/env bash
# Installs the build into a temporary prefix, then checks the layout, the installed program (presets
# found beside it, not in the source tree) and a consumer project built with find_package(iqnas).
#   install_consumer.sh BUILD_DIR SOURCE_DIR CXX_COMPILER "CXX_FLAGS" "EXE_LINKER_FLAGS"
set -uo pipefail
build="$1" src="$2" cxx="$3" cxxflags="$4" ldflags="$5"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
fail() { echo "FAIL: $*"; exit 1; }

cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "cmake --install"; }
for f in bin/iqnas share/iqnas/spaces/paper.json share/iqnas/spaces/tiny.json share/iqnas/configs/tiny-supernet.json share/iqnas/export_pytorch.py \
         include/iqnas/solver/solve.h include/iqnas/supernet/space.h lib/cmake/iqnas/iqnasConfig.cmake; do
  [[ -f "$prefix/$f" ]] || fail "$f not installed"
done
# A build with CUDA installs its module beside the libraries.
if find "$build" -maxdepth 2 -name libiqnas_cuda.so | grep -q .; then
  find "$prefix" -name libiqnas_cuda.so | grep -q . || fail "libiqnas_cuda.so not installed"
fi
# Nothing installed may point back into the source or build tree. The program is checked without
# its debug information (which names source files by design); a sanitizer build is not checked,
# since AddressSanitizer stores the source file of every instrumented global for its reports.
if grep -rlF -e "$src" -e "$build" "$prefix/lib/cmake" >/dev/null 2>&1; then
  fail "installed CMake files name the source or build tree: $(grep -rlF -e "$src" -e "$build" "$prefix/lib/cmake")"
fi
if [[ "$cxxflags" == *-fsanitize* ]]; then
  echo "note: sanitizer build, the installed program is not checked for source paths"
else
  strip --strip-debug -o "$work/iqnas.nodebug" "$prefix/bin/iqnas" || fail "strip of the installed program"
  if grep -qF -e "$src" -e "$build" "$work/iqnas.nodebug"; then
    fail "the installed program names the source or build tree"
  fi
fi

# The installed program reads its presets from share/iqnas/spaces: a changed copy there shows.
sed 's/"num_classes": 1000/"num_classes": 7/' "$prefix/share/iqnas/spaces/paper.json" >"$work/paper.json"
grep -q '"num_classes": 7' "$work/paper.json" || fail "paper.json has no num_classes 1000 to change"
cp "$work/paper.json" "$prefix/share/iqnas/spaces/paper.json"
(cd "$work" && "$prefix/bin/iqnas" arch --space paper) | grep -q '"num_classes": 7' ||
  fail "bin/iqnas arch --space paper did not read share/iqnas/spaces/paper.json"

cmake -S "$src/tests/install/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_CXX_FLAGS="$cxxflags" -DCMAKE_EXE_LINKER_FLAGS="$ldflags" \
  -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" 2>&1 || { cat "$work/configure.log"; fail "consumer configure"; }
cmake --build "$work/consumer" >"$work/build.log" 2>&1 || { cat "$work/build.log"; fail "consumer build"; }
"$work/consumer/consumer" || fail "consumer run"
echo "PASS: install and find_package(iqnas)"
