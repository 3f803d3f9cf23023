#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the Go module proxy (this directory's go.mod pins the versions) into
# ${XDG_CACHE_HOME:-~/.cache}/thidua/kube-<version>/bin, once: a later run with the same go.mod/go.sum reuses them.
# The cold build takes ~10 minutes on one core. Prints the bin directory on its last line.
# Run: deploy/test/kube/build.sh    (KUBE_BUILD_JOBS=N to compile N packages at once; default 1, niced)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
go_bin="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
version="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v/ {print $2}' "$here/go.mod")"
etcd_version="$(awk '$1 == "go.etcd.io/etcd/server/v3" && $2 ~ /^v/ {print $2}' "$here/go.mod")"
out="${XDG_CACHE_HOME:-$HOME/.cache}/thidua/kube-${version}/bin"
# The stamp ties the cached binaries to the exact module graph that built them.
stamp="$(cat "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-16)"

if [[ -x "$out/kube-apiserver" && -x "$out/etcd" && "$(cat "$out/.stamp" 2>/dev/null)" == "$stamp" ]]; then
  echo "kube-apiserver ${version} and etcd ${etcd_version}: cached" >&2
  echo "$out"
  exit 0
fi

major="${version#v}"; major="${major%%.*}"
minor="${version#v*.}"; minor="${minor%%.*}"
# Without these the server reports v0.0.0-master, and kubectl's version-skew check and discovery see a bogus version.
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X ${pkg}.gitVersion=${version} -X ${pkg}.gitMajor=${major} -X ${pkg}.gitMinor=${minor}"
  ldflags+=" -X ${pkg}.gitTreeState=clean"
done

mkdir -p "$(dirname "$out")"
tmp="$(mktemp -d "${out}.build.XXXXXX")"
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
cd "$here"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0 GOMAXPROCS="${GOMAXPROCS:-1}"
jobs="${KUBE_BUILD_JOBS:-1}"
start=$SECONDS
echo "building kube-apiserver ${version} and etcd ${etcd_version} into ${out} (-p ${jobs}) ..." >&2
nice -n 10 "$go_bin" build -p "$jobs" -trimpath -ldflags "$ldflags" -o "$tmp/etcd" go.etcd.io/etcd/server/v3
nice -n 10 "$go_bin" build -p "$jobs" -trimpath -ldflags "$ldflags" -o "$tmp/kube-apiserver" \
  k8s.io/kubernetes/cmd/kube-apiserver
echo "$stamp" > "$tmp/.stamp"
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
echo "built in $((SECONDS - start)) s" >&2
echo "$out"
