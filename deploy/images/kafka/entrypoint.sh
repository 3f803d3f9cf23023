#!/usr/bin/env bash
# Entrypoint of thidua-kafka:local: one Kafka process in KRaft mode, configured from the environment the way the
# official apache/kafka image reads it, so a compose file written for that image runs unchanged.
#   KAFKA_FOO_BAR=x -> foo.bar=x;  "__" -> "_";  "___" -> "-"
#   e.g. KAFKA_LISTENER_NAME_SASL__SSL_SCRAM___SHA___512_SASL_JAAS_CONFIG -> listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config
# Not broker properties: KAFKA_HEAP_OPTS (default -Xmx512m -Xms512m), KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_OPTS,
# KAFKA_LOG4J_ROOT_LOGLEVEL (default INFO), CLUSTER_ID (used when the storage is formatted; default: generated).
# With no KAFKA_ property at all a single-node PLAINTEXT broker on localhost:9092 runs (as the official image does).
# With ssl.keystore.location set and no truststore, ca.pem beside the keystore is the truststore (PEM), if present.
# log.dirs defaults to /var/lib/kafka/data (mount a volume there); it is formatted on first start and keeps the
# cluster id (meta.properties), so later starts find their topics. Any other command is run as given.
set -euo pipefail

if (($#)) && [[ $1 != kafka ]]; then
    exec "$@"
fi

home=${KAFKA_HOME:-/opt/kafka}
config_dir=${KAFKA_CONFIG_DIR:-$home/config}
properties=$config_dir/server.properties
# Variables of the JVM and of this script, never broker properties.
declare -A reserved=()
for name in HOME CONFIG_DIR VERSION HEAP_OPTS JVM_PERFORMANCE_OPTS GC_LOG_OPTS OPTS JMX_OPTS LOG4J_OPTS \
    LOG4J_ROOT_LOGLEVEL LOG4J_LOGGERS TOOLS_LOG4J_LOGLEVEL; do
    reserved[KAFKA_$name]=1
done

declare -A props=()
while IFS= read -r -d '' entry; do
    name=${entry%%=*}
    value=${entry#*=}
    [[ $name == KAFKA_* && -z ${reserved[$name]:-} ]] || continue
    key=${name#KAFKA_}
    key=${key//___/-}
    key=${key//__/@}
    key=${key//_/.}
    key=${key//@/_}
    key=${key,,}
    # A properties file reads backslashes as escapes; folded YAML may leave newlines: both kept literal.
    value=${value//\\/\\\\}
    value=${value//$'\n'/ }
    props[$key]=$value
done < <(env -0)

if ((${#props[@]} == 0)); then
    # shellcheck disable=SC2054  # the commas are the values'
    props=(
        [process.roles]=broker,controller
        [node.id]=1
        [listeners]=PLAINTEXT://:9092,CONTROLLER://:9093
        [advertised.listeners]=PLAINTEXT://localhost:9092
        [controller.listener.names]=CONTROLLER
        [listener.security.protocol.map]=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
        [controller.quorum.voters]=1@localhost:9093
        [offsets.topic.replication.factor]=1
        [transaction.state.log.replication.factor]=1
        [transaction.state.log.min.isr]=1
        [share.coordinator.state.topic.replication.factor]=1
        [share.coordinator.state.topic.min.isr]=1
    )
fi
: "${props[log.dirs]:=/var/lib/kafka/data}"
# Kafka checks at start that its own TLS client trusts its server certificate (the inter-broker listener): with a
# keystore but no truststore configured, the CA beside the keystore (ca.pem) is trusted, when there is one.
keystore=${props[ssl.keystore.location]:-}
if [[ -n $keystore && -z ${props[ssl.truststore.location]:-} && -f ${keystore%/*}/ca.pem ]]; then
    props[ssl.truststore.type]=PEM
    props[ssl.truststore.location]=${keystore%/*}/ca.pem
fi

mkdir -p "$config_dir"
umask 077  # the file holds the JAAS passwords
for key in "${!props[@]}"; do
    printf '%s=%s\n' "$key" "${props[$key]}"
done | sort >"$properties"
umask 022
cat >"$config_dir/log4j2.properties" <<LOG4J
status = error
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = ${KAFKA_LOG4J_ROOT_LOGLEVEL:-INFO}
rootLogger.appenderRef.stdout.ref = STDOUT
LOG4J

classpath="$home/libs/*"
log_dir=${props[log.dirs]%%,*}
metadata_dir=${props[metadata.log.dir]:-$log_dir}
if [[ ! -f $metadata_dir/meta.properties ]]; then
    # A cluster id is 16 random bytes in URL-safe base64 without padding (what `kafka-storage random-uuid` prints).
    cluster_id=${CLUSTER_ID:-$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')}
    format=(format --ignore-formatted --config "$properties" "--cluster-id=$cluster_id")
    # A dynamic quorum (no static voters) starts from this one controller.
    if [[ -z ${props[controller.quorum.voters]:-} && ${props[process.roles]:-} == *controller* ]]; then
        format+=(--standalone)
    fi
    echo "==> formatting $metadata_dir (cluster $cluster_id)"
    java -cp "$classpath" -Dlog4j2.configurationFile="$config_dir/log4j2.properties" kafka.tools.StorageTool "${format[@]}"
fi

# Word splitting wanted: these hold several JVM options each.
# shellcheck disable=SC2086
exec java ${KAFKA_HEAP_OPTS:--Xmx512m -Xms512m} \
    ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -Djava.awt.headless=true} \
    ${KAFKA_OPTS:-} -Dlog4j2.configurationFile="$config_dir/log4j2.properties" \
    -cp "$classpath" kafka.Kafka "$properties"
