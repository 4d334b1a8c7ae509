# Build, test and demo targets of kubectl oidc-thumbprint.
# Real components for the end-to-end tests (etcd, kube-apiserver) are built
# from the pinned versions in hack/tools/go.mod into _output/bin, once.

SHELL := /usr/bin/env bash
OUTPUT := _output/bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
PKG := github.com/oidc-thumbprint/kubectl-oidc-thumbprint
LDFLAGS := -s -w -X $(PKG)/pkg/cmd.version=$(VERSION) -X $(PKG)/pkg/cmd.commit=$(COMMIT)

.PHONY: all build tools test test-unit demo fmt lint verify clean dist krew-manifest validate-krew-manifest bench-scale

all: build

build:
	go build -trimpath -ldflags "$(LDFLAGS)" -o $(OUTPUT)/kubectl-oidc_thumbprint ./cmd/kubectl-oidc_thumbprint

# The binaries depend on the pinned versions, so a change of hack/tools/go.mod rebuilds them.
$(OUTPUT)/etcd $(OUTPUT)/kube-apiserver &: hack/tools/go.mod hack/tools/go.sum
	mkdir -p $(OUTPUT)
	cd hack/tools && go build -trimpath -o ../../$(OUTPUT)/ ./etcd k8s.io/kubernetes/cmd/kube-apiserver
	touch $(OUTPUT)/etcd $(OUTPUT)/kube-apiserver

tools: $(OUTPUT)/etcd $(OUTPUT)/kube-apiserver

# Every test: unit tests and the end-to-end tests against a real etcd,
# kube-apiserver, moto_server and kubectl on 127.0.0.1.
test: tools
	OIDC_THUMBPRINT_BIN_DIR=$(CURDIR)/$(OUTPUT) go test -race -count=1 ./...

# Unit tests only: no cluster, no moto.
test-unit:
	go test -race -short -count=1 ./...

# A sandbox cluster with a stale, enforced thumbprint, diagnosed through kubectl.
demo: tools build
	OIDC_THUMBPRINT_BIN_DIR=$(CURDIR)/$(OUTPUT) go run ./test/demo

fmt:
	gofmt -w cmd pkg test

lint:
	@test -z "$$(gofmt -l cmd pkg test)" || { gofmt -l cmd pkg test; echo "run make fmt"; exit 1; }
	go vet ./...

verify: lint test

clean:
	rm -rf _output dist

# Release archives for every krew platform, each with a .sha256 file, in dist/.
# `make dist VERSION=v1.2.3` sets the version. Otherwise hack/dist.sh derives
# one from git describe, because the default VERSION above may lack the
# leading v that krew requires.
dist:
	hack/dist.sh

# The krew manifest for the archives in dist/, with file:// URIs.
krew-manifest: dist
	hack/render-krew-manifest.sh --output dist/oidc-thumbprint.yaml

# krew and its manifest validator, from the version pinned in hack/krew/go.mod.
$(OUTPUT)/krew $(OUTPUT)/validate-krew-manifest &: hack/krew/go.mod hack/krew/go.sum
	mkdir -p $(OUTPUT)
	cd hack/krew && go build -trimpath -o ../../$(OUTPUT)/ sigs.k8s.io/krew/cmd/krew sigs.k8s.io/krew/cmd/validate-krew-manifest
	touch $(OUTPUT)/krew $(OUTPUT)/validate-krew-manifest

# Validates the manifest with krew and installs the plugin from dist/ into a
# temporary KREW_ROOT. The checks contact only 127.0.0.1.
validate-krew-manifest: krew-manifest $(OUTPUT)/krew $(OUTPUT)/validate-krew-manifest
	KREW_BIN_DIR=$(CURDIR)/$(OUTPUT) hack/test-krew.sh

# Wall time and memory of diagnose on PODS pods and EVENTS Warning events.
PODS ?= 2000
EVENTS ?= 5000
bench-scale: tools build
	OIDC_THUMBPRINT_BIN_DIR=$(CURDIR)/$(OUTPUT) go run ./test/scale -pods $(PODS) -events $(EVENTS)
