#!/usr/bin/env bash
# Builds the images the compose file runs, with no image registry needed:
#   deploy/images/build.sh [--base debian|python] [--refresh] [app] [kafka] [postgres]   (none named: all three)
#   thidua:local            the application (deploy/Dockerfile), every service and the operator commands
#   thidua-kafka:local      Apache Kafka 4.1 in KRaft mode (deploy/images/kafka)
#   thidua-postgres:local   PostgreSQL from Debian (deploy/images/postgres)
# --base debian (the default): the base images are built from Debian's packages (deploy/images/base.sh, mmdebstrap).
# --base python: the public python:3.11-slim and debian:bookworm-slim images, for hosts that reach a registry.
# --refresh: rebuild the Debian base images (Debian's updates) and build without the layer cache.
# Uses podman, or docker with CONTAINER_ENGINE=docker. With podman and no CONTAINERS_CONF set, deploy/podman/
# containers.conf is used. Kafka's jars come from Maven Central through the project's own fetcher (needs Java and
# Maven, as `make run` does). Idempotent: a second run reuses the cached root filesystems, jars and layers.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
engine=${CONTAINER_ENGINE:-podman}
base=debian
refresh=()
targets=()
while (($#)); do
    case "$1" in
        --base) base=${2:?--base needs debian or python}; shift ;;
        --base=*) base=${1#--base=} ;;
        --refresh) refresh=(--refresh) ;;
        app | kafka | postgres) targets+=("$1") ;;
        *) echo "usage: $0 [--base debian|python] [--refresh] [app] [kafka] [postgres]" >&2; exit 2 ;;
    esac
    shift
done
[[ $base == debian || $base == python ]] || { echo "--base is debian or python, not $base" >&2; exit 2; }
((${#targets[@]})) || targets=(app kafka postgres)
command -v "$engine" >/dev/null || { echo "$engine is not installed (CONTAINER_ENGINE chooses the engine)" >&2; exit 1; }

if [[ $engine == podman && -z ${CONTAINERS_CONF:-} ]]; then
    export CONTAINERS_CONF="$root/deploy/podman/containers.conf"
fi
started_all=$SECONDS

build=("$engine" build)
((${#refresh[@]})) && build+=(--no-cache)
# pip and Maven inside a build trust the host's CA bundle (a host behind a TLS-inspecting proxy needs it); podman
# mounts it into each build step, docker has no build-time mounts, so its builds use the base image's own bundle.
ca=${THIDUA_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
if [[ $engine == podman && -f $ca ]]; then
    build+=(-v "$ca:/etc/ssl/certs/ca-certificates.crt:ro")
fi

if [[ $base == debian ]]; then
    variants=()
    for target in "${targets[@]}"; do
        case "$target" in
            app) variants+=(python) ;;
            kafka) variants+=(jre) ;;
            postgres) variants+=(postgresql) ;;
        esac
    done
    "$root/deploy/images/base.sh" "${refresh[@]}" "${variants[@]}"
    # The bases exist only locally: never look for them in a registry.
    [[ $engine == podman ]] && build+=(--pull=never)
    app_base=thidua-base:bookworm
    jre_base=thidua-base-jre:bookworm
    postgres_base=thidua-base-postgresql:bookworm
else
    app_base=python:3.11-slim
    jre_base=debian:bookworm-slim
    postgres_base=debian:bookworm-slim
fi

image_size() {
    "$engine" image inspect --format '{{.Size}}' "$1"
}

declare -A images=([app]=thidua:local [kafka]=thidua-kafka:local [postgres]=thidua-postgres:local)
declare -A sizes
image_id() {
    "$engine" image inspect --format '{{.Id}}' "$1" 2>/dev/null || true
}

for target in "${targets[@]}"; do
    step=$SECONDS
    image=${images[$target]}
    previous=$(image_id "$image")
    case "$target" in
        app)
            "${build[@]}" --build-arg "BASE=$app_base" -f deploy/Dockerfile -t "$image" .
            ;;
        kafka)
            python=${PYTHON:-$root/.venv/bin/python}
            [[ -x $python ]] || python=python3
            # The version and jars `make run` uses (THIDUA_KAFKA_VERSION chooses another), fetched once with Maven.
            # The answer comes on fd 3; the fetch's own output (a first run's Maven) goes to stderr, the log: on the
            # pipe it would be read as the answer, and Maven killed by SIGPIPE once two lines were read.
            { read -r version; read -r libs; } < <(PYTHONPATH=$root "$python" -c \
                "import os; from thidua.operator.localinfra.kafka import KAFKA_VERSION as v, ensure_jars; \
p = ensure_jars(v); os.write(3, f'{v}\n{p}\n'.encode())" 3>&1 1>&2)
            [[ -n ${libs:-} && -d $libs ]] || { echo "the Kafka jars could not be fetched" >&2; exit 1; }
            # The build context: the entrypoint and the jars (hard links where the cache shares the file system).
            context="$root/.state/images/kafka"
            rm -rf "$context"
            mkdir -p "$context"
            cp deploy/images/kafka/* "$context/"
            cp -al "$libs" "$context/libs" 2>/dev/null || cp -a "$libs" "$context/libs"
            "${build[@]}" --build-arg "BASE=$jre_base" --build-arg "KAFKA_VERSION=$version" \
                -f "$context/Dockerfile" -t "$image" "$context"
            ;;
        postgres)
            "${build[@]}" --build-arg "BASE=$postgres_base" -f deploy/images/postgres/Dockerfile -t "$image" \
                deploy/images/postgres
            ;;
    esac
    # The image this build replaced, unless a container still uses it (its build cache stays).
    if [[ -n $previous && $previous != $(image_id "$image") ]]; then
        "$engine" image rm "$previous" >/dev/null 2>&1 || true
    fi
    sizes[$image]=$(image_size "$image")
    echo "==> $image built in $((SECONDS - step)) s"
done

echo "==> images ($engine, base $base; all built in $((SECONDS - started_all)) s):"
for image in "${!sizes[@]}"; do
    printf '%-24s %6d MB\n' "$image" $((sizes[$image] / 1000000))
done | sort
