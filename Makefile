# Validator Ring — common tasks. `make demo` and `make test` work on a fresh Debian
# machine (as root they install the missing -dev packages first).

ifneq ($(wildcard /opt/swift/usr/bin/swift),)
export PATH := /opt/swift/usr/bin:$(PATH)
endif

SWIFT ?= swift

.PHONY: deps build test demo bench compare clean

## deps: install the missing Debian packages (GMP, OpenSSL, libsodium, pkg-config)
deps:
	./scripts/install-deps.sh

## build: the release CLI, .build/release/vring
build:
	$(SWIFT) build -c release --product vring

## test: every test target, in release mode (field arithmetic crawls in debug builds); the
## build it does includes the vring binary that vringTests run (a separate `swift build` first
## would compile the engine a second time with different flags)
test: deps
	$(SWIFT) test -c release
	@# The engine suite again on the portable field code, the twin of the x86-64 BMI2/ADX kernels
	@# (on a CPU without them, or on ARM, this reruns the same path).
	VRING_FIELD=portable $(SWIFT) test -c release --skip-build --filter BLS12381Tests

## demo: build the CLI, then a 3-of-4 pool formed, used and reshared by separate vring
## processes on loopback (scripts/demo.sh; `vring demo` is the one-process version)
demo: deps build
	./scripts/demo.sh

## bench: build the CLI and run its benchmarks
bench: build
	.build/release/vring bench

## compare: ours beside blst (blspy) and arkworks, interleaved (Benchmarks/compare)
compare:
	./Benchmarks/compare

## clean: remove build products
clean:
	$(SWIFT) package clean
	rm -rf .build
