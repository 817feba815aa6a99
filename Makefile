# Vivify: `make demo` sets up a fresh Debian 12 machine, builds, and runs the main job on sample data;
# `make test` sets up, builds and runs every test. Both are idempotent and quiet when all is present.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CONFIG ?= Release
VIVIFY_TORCH_BACKEND ?= cpu
# ffmpeg: media; python3-torch (+ python3-pil for the published stylization code): interop tests and side-by-side benchmarks; patchelf + gcc: the TorchSharp
# load-time fix (build/native-fix); libgtk-3-0: OpenCvSharp's native runtime; opencv-doc: sample media; openmpi-bin +
# libopenmpi-dev: data-parallel training under mpirun (Vivify.Torch/Distributed binds libmpi.so.40) and its tests.
# chromium: the browser tests of `vivify serve` (Microsoft.Playwright drives /usr/bin/chromium; no browser is downloaded).
APT_PACKAGES := ffmpeg python3-torch python3-yaml python3-pil patchelf gcc libgtk-3-0 opencv-doc openmpi-bin libopenmpi-dev chromium
DOTNET := dotnet
BUILD_FLAGS := -c $(CONFIG) -p:VivifyTorchBackend=$(VIVIFY_TORCH_BACKEND) -nologo -v q

.PHONY: all setup build test format samples demo bench pack pack-check clean
all: build

setup:
	@bash build/setup.sh $(APT_PACKAGES)

build: setup
	@$(DOTNET) build Vivify.slnx $(BUILD_FLAGS) -clp:ErrorsOnly

test: build
	@bash build/test-all.sh $(CONFIG)

# Rewrites the C# code to the root .editorconfig: its layout (whitespace, every .cs file including samples/; what
# `make test` checks, in about half a minute) and the fixable code-style warnings of the solution's projects.
format:
	@$(DOTNET) format whitespace --folder . --exclude samples/.packages artifacts -v q
	@$(DOTNET) format style Vivify.slnx --severity warn -v q

# The programs under samples/, built from the packages (make pack) and run on tiny inputs (build/run-samples.sh).
samples: pack
	@bash build/run-samples.sh

demo: build
	@bash build/demo.sh

# NuGet packages of the seven libraries and the `vivify` tool (Vivify.Tool + Vivify.Tool.linux-x64) into artifacts/.
# REPOSITORY_URL=... names the repository in the packages (default: a placeholder, Directory.Build.props).
pack: setup
	@rm -rf artifacts
	@$(DOTNET) pack Vivify.slnx -c Release -p:VivifyTorchBackend=cpu -p:VivifyPackBuild=true \
		$(if $(REPOSITORY_URL),-p:RepositoryUrl=$(REPOSITORY_URL)) -nologo -v q -clp:ErrorsOnly
	@ls -l artifacts/*.nupkg artifacts/*.snupkg | awk '{printf "%10.1f KB  %s\n", $$5 / 1024, $$9}'

# The packages as a stranger uses them: contents, `dotnet tool install` + `vivify info`, consumer programs (build/pack-check.sh).
pack-check: pack
	@bash build/pack-check.sh

bench: build
	@$(DOTNET) run -c Release --project bench/Vivify.Bench -- $(ARGS)

clean:
	@$(DOTNET) clean Vivify.slnx -c $(CONFIG) -nologo -v q
	@rm -rf build/.cache out artifacts samples/.packages
