#!/usr/bin/env bash
# Base images built from Debian's own packages, for hosts that can reach Debian's archive but no image registry.
#   deploy/images/base.sh [--refresh] [python] [jre] [postgresql]     (no variant named: all three)
# Each variant is an `mmdebstrap --variant=minbase` root filesystem of Debian bookworm, imported as an image:
#   thidua-base:bookworm             python3, python3-venv, python3-pip   (the application image's BASE)
#   thidua-base-jre:bookworm         openjdk-17-jre-headless, netcat-openbsd   (deploy/images/kafka)
#   thidua-base-postgresql:bookworm  postgresql (15)   (deploy/images/postgres)
# The tarballs are kept under ~/.cache/thidua/images/, keyed by what went into them, so a second run only checks
# that the image is there; --refresh builds them anew (e.g. to pick up Debian's security updates).
# Needs mmdebstrap and podman (or docker: CONTAINER_ENGINE=docker).
set -euo pipefail

engine=${CONTAINER_ENGINE:-podman}
suite=bookworm
cache="${XDG_CACHE_HOME:-$HOME/.cache}/thidua/images"
refresh=0
variants=()
for arg in "$@"; do
    case "$arg" in
        --refresh) refresh=1 ;;
        python | jre | postgresql) variants+=("$arg") ;;
        *) echo "usage: $0 [--refresh] [python] [jre] [postgresql]" >&2; exit 2 ;;
    esac
done
((${#variants[@]})) || variants=(python jre postgresql)
for tool in mmdebstrap "$engine"; do
    command -v "$tool" >/dev/null || { echo "$tool is needed (Debian: apt-get install mmdebstrap podman)" >&2; exit 1; }
done

if [[ $engine == podman && -z ${CONTAINERS_CONF:-} ]]; then
    CONTAINERS_CONF="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/podman/containers.conf"
    export CONTAINERS_CONF
fi

quiet=()
[[ $engine == podman ]] && quiet=(--quiet)  # docker import has no such option

# The host's own Debian sources when it runs the same release (its mirror, and the security and updates suites);
# otherwise mmdebstrap's default mirror, release suite only.
sources=()
if [[ -f /etc/apt/sources.list.d/debian.sources ]] && grep -qx "VERSION_CODENAME=$suite" /etc/os-release 2>/dev/null; then
    sources=(/etc/apt/sources.list.d/debian.sources)
fi

packages_of() {
    case "$1" in
        python) echo "ca-certificates python3 python3-venv python3-pip" ;;
        jre) echo "ca-certificates openjdk-17-jre-headless netcat-openbsd" ;;
        postgresql) echo "ca-certificates postgresql" ;;
    esac
}

# Options for one variant only. PostgreSQL's JIT (off in deploy/images/postgres) is the only user of LLVM and Z3,
# 130 MB of the image: their files are not unpacked.
extra_options_of() {
    case "$1" in
        postgresql)
            echo "--dpkgopt=path-exclude=/usr/lib/*/libLLVM-* --dpkgopt=path-exclude=/usr/lib/*/libz3.so*"
            echo "--dpkgopt=path-exclude=/usr/lib/postgresql/*/lib/llvmjit* --dpkgopt=path-exclude=/usr/lib/postgresql/*/lib/bitcode/*"
            ;;
    esac
}

image_of() {
    case "$1" in
        python) echo "thidua-base:$suite" ;;
        *) echo "thidua-base-$1:$suite" ;;
    esac
}

for variant in "${variants[@]}"; do
    packages=$(packages_of "$variant")
    image=$(image_of "$variant")
    # What the root filesystem is made of; the same key finds the same tarball and the same image.
    read -r -a extra <<<"$(extra_options_of "$variant" | tr '\n' ' ')"
    key=$( { echo "$suite $packages ${extra[*]}"; cat "${sources[@]:-/dev/null}"; echo v2; } | sha256sum | cut -c1-16)
    tarball="$cache/$variant-$suite-$key.tar"
    if ((refresh == 0)) && [[ $("$engine" image inspect --format '{{index .Labels "org.thidua.base.key"}}' "$image" 2>/dev/null) == "$key" ]]; then
        echo "==> $image is up to date ($key)"
        continue
    fi
    mkdir -p "$cache"
    if ((refresh == 1)) || [[ ! -s $tarball ]]; then
        echo "==> mmdebstrap $suite: $packages"
        partial="${tarball%.tar}.partial.tar"  # mmdebstrap picks the format by the extension
        started=$SECONDS
        # Documentation, manual pages and translations are dropped (the copyright files stay): a smaller image. The
        # JRE's postinst links its manual pages all the same, so their directory must exist. postgresql's postinst
        # creates a cluster "main" the images never use (the entrypoint makes its own): removed.
        # shellcheck disable=SC2016  # mmdebstrap itself expands "$1" (the new root) in its hooks
        mmdebstrap --quiet --variant=minbase --include="${packages// /,}" \
            --dpkgopt='path-exclude=/usr/share/man/*' \
            --dpkgopt='path-exclude=/usr/share/locale/*' \
            --dpkgopt='path-exclude=/usr/share/doc/*' \
            --dpkgopt='path-include=/usr/share/doc/*/copyright' \
            --aptopt='APT::Install-Recommends "false"' \
            --essential-hook='mkdir -p "$1/usr/share/man/man1"' \
            --customize-hook='rm -rf "$1"/var/lib/postgresql/*/main "$1"/etc/postgresql/*/main' \
            "${extra[@]}" "$suite" "$partial" "${sources[@]}"
        mv "$partial" "$tarball"
        echo "==> $tarball in $((SECONDS - started)) s"
        # Older tarballs of this variant are of no further use.
        find "$cache" -maxdepth 1 -name "$variant-$suite-*.tar" ! -name "$(basename "$tarball")" -delete
    fi
    previous=$("$engine" image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
    "$engine" import "${quiet[@]}" \
        --change "LABEL org.thidua.base.key=$key" \
        --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
        --change "ENV LANG=C.UTF-8" \
        --change 'CMD ["/bin/bash"]' \
        "$tarball" "$image" >/dev/null
    echo "==> $image imported"
    # The image this one replaces, unless a container or another image still uses it.
    if [[ -n $previous && $previous != $("$engine" image inspect --format '{{.Id}}' "$image") ]]; then
        "$engine" image rm "$previous" >/dev/null 2>&1 || true
    fi
done
