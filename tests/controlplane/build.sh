#!/usr/bin/env bash
# Builds the test control plane (etcd, kube-apiserver, kube-controller-manager,
# kubectl, helm) from Go modules into a cache folder outside git.
# A warm cache makes this a no-op. Prints the bin folder on its last line.
set -euo pipefail

K8S_VERSION=v1.36.3
STAGING_VERSION=v0.36.3
ETCD_VERSION=v3.6.16
HELM_VERSION=v3.22.0

CACHE_ROOT=${CIRA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cira}
KEY="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_helm-${HELM_VERSION}"
OUT="$CACHE_ROOT/controlplane/$KEY"
BIN="$OUT/bin"
BINARIES=(etcd kube-apiserver kube-controller-manager kubectl helm)

have_all() {
  for b in "${BINARIES[@]}"; do [ -x "$BIN/$b" ] || return 1; done
}

if have_all; then
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null || { echo "build.sh: Go is required to build the test control plane" >&2; exit 1; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
mkdir -p "$BIN"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cira-cp-build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# Go's build and module caches (about 5 GB for Kubernetes) live in the work
# folder and go with it: only the binaries are kept, so the disk a test run
# needs stays small. -modcacherw lets rm delete the module cache.
export GOCACHE="$WORK/gocache" GOMODCACHE="$WORK/gomodcache" GOFLAGS="$GOFLAGS -modcacherw"
start=$(date +%s)

# etcd: its server module has replace directives, so build through a wrapper.
if [ ! -x "$BIN/etcd" ]; then
  mkdir -p "$WORK/etcd" && cd "$WORK/etcd"
  cat > go.mod <<MOD
module cira.dev/controlplane/etcd

go 1.24

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
MOD
  printf 'package tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > tools.go
  go mod tidy >&2
  go build -trimpath -ldflags "-s -w" -o "$BIN/etcd.tmp" go.etcd.io/etcd/server/v3
  mv "$BIN/etcd.tmp" "$BIN/etcd"
fi

# Kubernetes: the root module requires its staging modules at v0.0.0, so a
# wrapper module replaces each with its published release.
if [ ! -x "$BIN/kube-apiserver" ] || [ ! -x "$BIN/kube-controller-manager" ] || [ ! -x "$BIN/kubectl" ]; then
  mkdir -p "$WORK/k8s" && cd "$WORK/k8s"
  STAGING=(api apiextensions-apiserver apimachinery apiserver cli-runtime client-go
    cloud-provider cluster-bootstrap code-generator component-base component-helpers
    controller-manager cri-api cri-client cri-streaming csi-translation-lib
    dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator
    kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics
    mount-utils pod-security-admission sample-apiserver sample-cli-plugin
    sample-controller streaming)
  {
    echo "module cira.dev/controlplane/k8s"
    echo
    echo "go 1.26.0"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    for m in "${STAGING[@]}"; do echo "replace k8s.io/$m => k8s.io/$m $STAGING_VERSION"; done
  } > go.mod
  cat > tools.go <<'GO'
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  go mod tidy >&2
  minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  LDFLAGS="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    LDFLAGS="$LDFLAGS -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    LDFLAGS="$LDFLAGS -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  for cmd in kube-apiserver kube-controller-manager kubectl; do
    go build -trimpath -ldflags "$LDFLAGS" -o "$BIN/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd"
    mv "$BIN/$cmd.tmp" "$BIN/$cmd"
  done
fi

if [ ! -x "$BIN/helm" ]; then
  mkdir -p "$WORK/helm" && cd "$WORK/helm"
  GOBIN="$WORK/helm/bin" go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  mv "$WORK/helm/bin/helm" "$BIN/helm"
fi

echo "built test control plane in $(( $(date +%s) - start ))s" >&2
echo "$BIN"
