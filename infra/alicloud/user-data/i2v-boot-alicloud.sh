# --- body: infra/alicloud/user-data/i2v-boot-alicloud.sh (settings above are rendered by boot-script.ts) ---
# The Alibaba Cloud twin of infra/user-data/i2v-boot.sh, with the same subcommands (so the same
# systemd units run it):
#   prepare     weights disk, container image from ACR over the VPC endpoint, weights (every boot)
#   token       API token (and TLS key) from OOS secret parameters into root-only files (every start)
#   run         the runtime container in the foreground
#   wait-ready  poll /readyz until ready, or fail after the deadline
# Alibaba APIs are called with the aliyun CLI as the instance's RAM role (EcsRamRole mode).
# Never enable `set -x` here: the token and the TLS key pass through this script.
set -euo pipefail

log() {
  local uptime
  uptime="$(cut -d' ' -f1 /proc/uptime)"
  printf '%s i2v: [%ss since boot] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$uptime" "$*" | tee -a "$LOG" >&2
}

die() {
  log "FAILED: $*"
  exit 1
}

# retry N CMD...: run CMD up to N times with growing pauses (registry and API hiccups at boot).
retry() {
  local attempts="$1" n=1
  shift
  until "$@"; do
    if [ "$n" -ge "$attempts" ]; then
      return 1
    fi
    sleep $((n * 5))
    n=$((n + 1))
  done
}

# json_get PATH: one field of the JSON document on stdin (PATH like Parameter.Value).
json_get() {
  python3 -c 'import json, sys
value = json.load(sys.stdin)
for key in sys.argv[1].split("."):
    value = value[key]
print(value)' "$1"
}

check_tools() {
  local tool
  for tool in nvidia-smi docker aliyun python3 curl; do
    command -v "$tool" >/dev/null 2>&1 ||
      die "$tool is missing: i2v:imageId must carry the NVIDIA driver, Docker, the NVIDIA Container Toolkit and the aliyun CLI (docs/infra.md#alibaba-cloud)"
  done
  local gpu
  gpu="$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null)" ||
    die "nvidia-smi found no GPU; is this a gn6i/gn7i/gn7e type with a driver in the image?"
  log "gpu: $gpu"
}

# The role is attached just after the instance starts; wait until hardened-mode metadata serves it.
wait_for_role() {
  local deadline=$((SECONDS + 300)) token
  until token="$(curl -fsS -X PUT --max-time 5 -H 'X-aliyun-ecs-metadata-token-ttl-seconds: 60' \
    http://100.100.100.200/latest/api/token 2>/dev/null)" &&
    curl -fsS --max-time 5 -H "X-aliyun-ecs-metadata-token: $token" \
      http://100.100.100.200/latest/meta-data/ram/security-credentials/ 2>/dev/null | grep -qx "$ROLE_NAME"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      die "RAM role $ROLE_NAME not attached after 300s"
    fi
    sleep 5
  done
}

# ali CMD...: the aliyun CLI as the instance's role, in the stack's region.
ali() {
  aliyun --mode EcsRamRole --ram-role-name "$ROLE_NAME" --region "$REGION" "$@"
}

# The weights ESSD shows its id (without "d-") as the disk serial, virtio or NVMe alike.
find_weights_disk() {
  lsblk -dpno NAME,SERIAL | awk -v serial="$DISK_SERIAL" '$2 == serial {print $1; exit}' | grep .
}

prepare_storage() {
  local device deadline=$((SECONDS + 600))
  if mountpoint -q "$MOUNT"; then
    log "storage: $MOUNT already mounted"
    return 0
  fi
  mkdir -p "$MOUNT"
  # The disk is attached after the instance runs, so it may not be there yet.
  until device="$(find_weights_disk)"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      die "weights disk (serial $DISK_SERIAL) did not appear within 600s"
    fi
    sleep 3
  done
  if ! blkid "$device" >/dev/null 2>&1; then
    # nodiscard: a fresh ESSD is already empty, and discarding hundreds of GiB takes minutes.
    mkfs.ext4 -q -F -E nodiscard -L i2v-models "$device"
  fi
  mount -o noatime "$device" "$MOUNT"
  log "storage: ESSD $device on $MOUNT ($(df -h --output=size "$MOUNT" | tail -n 1 | tr -d ' '))"
}

acr_login() {
  local answer user
  answer="$(ali cr GetAuthorizationToken --InstanceId "$ACR_INSTANCE_ID")" || return 1
  user="$(json_get TempUsername <<<"$answer")" || return 1
  json_get AuthorizationToken <<<"$answer" | docker login --username "$user" --password-stdin "$REGISTRY" >/dev/null
}

load_image() {
  if [ -n "$ACR_INSTANCE_ID" ]; then
    retry 8 acr_login || die "ACR login to $REGISTRY failed (is the VPC linked to the instance's VPC endpoint?)"
  fi
  log "image: pulling $IMAGE"
  local start=$SECONDS deadline=$((SECONDS + READY_TIMEOUT_S))
  # On a first deploy the repository is created with the box: the image may not be pushed yet.
  until docker pull --quiet "$IMAGE" >/dev/null; do
    if docker image inspect "$IMAGE" >/dev/null 2>&1; then
      log "image: pull failed; using the copy already on this box"
      return 0
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      die "docker pull $IMAGE kept failing for ${READY_TIMEOUT_S}s; is it pushed?"
    fi
    log "image: $IMAGE not pullable yet (not pushed?); retrying in 15s"
    sleep 15
    if [ -n "$ACR_INSTANCE_ID" ]; then
      retry 3 acr_login || true
    fi
  done
  log "image: pulled in $((SECONDS - start))s ($(docker image inspect --format '{{.Size}}' "$IMAGE") bytes)"
}

# Each source is "MIRROR REF"; the first that works wins, and every failure is logged by name.
fetch_weights() {
  mkdir -p "$MOUNT/hf"
  if [ "${#WEIGHTS_SOURCES[@]}" -eq 0 ]; then
    log "weights: baked into the image"
    return 0
  fi
  local source mirror ref start
  for source in "${WEIGHTS_SOURCES[@]}"; do
    mirror="${source%% *}"
    ref="${source#* }"
    log "weights: fetching $ref from $mirror into $MOUNT/hf"
    start=$SECONDS
    if docker run --rm --volume "$MOUNT/hf:$CONTAINER_CACHE" --env "HF_HOME=$CONTAINER_CACHE" "$IMAGE" \
      node /app/runtime/dist/weights/main.js "$ref" --mirror "$mirror" >&2; then
      log "weights: ready from $mirror in $((SECONDS - start))s"
      return 0
    fi
    log "weights: $ref from $mirror failed; trying the next source"
  done
  die "weights: every source failed (${WEIGHTS_SOURCES[*]})"
}

# read_secret NAME: the value of an OOS secret parameter.
read_secret() {
  local answer
  # Generous retries: the API endpoint is reached through the EIP, bound just after the instance starts.
  answer="$(retry 8 ali oos GetSecretParameter --Name "$1" --WithDecryption true)" || return 1
  json_get Parameter.Value <<<"$answer"
}

write_secrets() {
  local dir tmp token uid
  dir="$(dirname "$ENV_FILE")"
  umask 077
  install -d -m 0700 "$dir"
  tmp="$(mktemp "$dir/.runtime.env.XXXXXX")"
  if [ -n "$TOKEN_PARAMETER" ]; then
    token="$(read_secret "$TOKEN_PARAMETER")" || die "could not read $TOKEN_PARAMETER from OOS"
    printf 'I2V_TOKEN=%s\n' "$token" >"$tmp"
  fi
  chmod 0600 "$tmp"
  mv -f "$tmp" "$ENV_FILE"
  if [ -n "$TLS_KEY_PARAMETER" ]; then
    tmp="$(mktemp "$TLS_DIR/.server.key.XXXXXX")"
    read_secret "$TLS_KEY_PARAMETER" >"$tmp" || die "could not read $TLS_KEY_PARAMETER from OOS"
    # The runtime runs as the image's numeric USER; only that user may read the key.
    uid="$(docker image inspect --format '{{.Config.User}}' "$IMAGE" 2>/dev/null | cut -d: -f1)"
    if [[ "$uid" =~ ^[0-9]+$ ]]; then
      chown "$uid" "$tmp"
    fi
    chmod 0400 "$tmp"
    mv -f "$tmp" "$TLS_DIR/server.key"
  fi
}

run_container() {
  local -a args=(--rm --name "$CONTAINER" --gpus all --publish "$PORT:$PORT" --env-file "$ENV_FILE"
    --env "HF_HOME=$CONTAINER_CACHE" --volume "$MOUNT/hf:$CONTAINER_CACHE:ro")
  local pair
  if [ -n "$TLS_KEY_PARAMETER" ]; then
    args+=(--volume "$TLS_DIR:/etc/i2v/tls:ro" --env I2V_TLS_CERT=/etc/i2v/tls/server.crt
      --env I2V_TLS_KEY=/etc/i2v/tls/server.key)
  fi
  for pair in "${RUNTIME_ENV[@]}"; do
    args+=(--env "$pair")
  done
  exec docker run "${args[@]}" "$IMAGE"
}

wait_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT_S)) token="" scheme=http
  local -a tls=()
  if [ -r "$ENV_FILE" ]; then
    token="$(sed -n 's/^I2V_TOKEN=//p' "$ENV_FILE")"
  fi
  if [ -n "$TLS_KEY_PARAMETER" ]; then
    # The certificate names 127.0.0.1 too, so the check verifies it against the stack's CA.
    scheme=https
    tls=(--cacert "$TLS_DIR/ca.crt")
  fi
  until curl -fsS --max-time 5 "${tls[@]}" --header @<(printf 'Authorization: Bearer %s\n' "$token") \
    "$scheme://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "NOT READY after ${READY_TIMEOUT_S}s; see journalctl -u i2v-prepare -u i2v-runtime"
      return 1
    fi
    sleep 5
  done
  log "READY: $scheme://127.0.0.1:$PORT/readyz answers"
}

case "${1:-}" in
  prepare)
    log "prepare: start"
    check_tools
    wait_for_role
    prepare_storage
    load_image
    fetch_weights
    log "prepare: done"
    ;;
  token)
    wait_for_role
    write_secrets
    ;;
  run) run_container ;;
  wait-ready) wait_ready ;;
  *)
    echo "usage: $0 prepare|token|run|wait-ready" >&2
    exit 2
    ;;
esac
