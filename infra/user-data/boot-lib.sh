# --- body: infra/user-data/boot-lib.sh, the functions both clouds' boot helpers share ---
# Each cloud's body (infra/user-data/i2v-boot.sh, infra/alicloud/user-data/i2v-boot-alicloud.sh)
# follows; it defines registry_login and the steps only its cloud has.
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

# The GPU answers at all (before the slow steps, so a wrong type or image fails in seconds).
check_gpu() {
  local gpu
  gpu="$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null)" ||
    die "gpu: nvidia-smi found no GPU or driver; $GPU_HINT"
  log "gpu: $gpu"
}

# The driver is at least what the image's CUDA build needs: its ai.i2v.cuda.min-driver label, or
# MIN_DRIVER (runtime/src/gpu/cuda-requirements.ts) for an image without the label.
check_driver() {
  local driver need
  driver="$(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -n 1)" ||
    die "driver: nvidia-smi did not answer; $GPU_HINT"
  need="$(docker image inspect --format '{{ index .Config.Labels "ai.i2v.cuda.min-driver" }}' "$IMAGE" 2>/dev/null || true)"
  if ! [[ "$need" =~ ^[0-9]+ ]]; then
    need="$MIN_DRIVER"
  fi
  if ! [[ "$driver" =~ ^[0-9]+ ]] || [ "${driver%%.*}" -lt "${need%%.*}" ]; then
    die "driver: NVIDIA driver ${driver:-unknown} is older than ${need}, the minimum of the image's CUDA build (label ai.i2v.cuda.min-driver); $DRIVER_HINT"
  fi
  log "driver: $driver >= $need (the image's minimum)"
}

# pull_image: the image from its registry, logging in first (registry_login, per cloud). On a first
# deploy the repository is created with the box, so the image may not be pushed yet: keep trying
# until the readiness deadline. Pulling even when a copy exists rolls out a re-pushed tag.
pull_image() {
  retry 5 registry_login || die "image: registry login failed; $LOGIN_HINT"
  log "image: pulling $IMAGE"
  local start=$SECONDS deadline=$((SECONDS + READY_TIMEOUT_S))
  until docker pull --quiet "$IMAGE" >/dev/null; do
    if docker image inspect "$IMAGE" >/dev/null 2>&1; then
      log "image: pull failed; using the copy already on this box"
      return 0
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      die "image: docker pull $IMAGE kept failing for ${READY_TIMEOUT_S}s; is it pushed?"
    fi
    log "image: $IMAGE not pullable yet (not pushed?); retrying in 15s"
    sleep 15
    retry 3 registry_login || true
  done
  log "image: pulled in $((SECONDS - start))s ($(docker image inspect --format '{{.Size}}' "$IMAGE") bytes)"
}

# Each source is "MIRROR REF" (MIRROR "default": the fetcher's own choice); the first that works
# wins, and every failure is logged by name. The image has node and the compiled runtime only.
fetch_weights() {
  mkdir -p "$MOUNT/hf"
  if [ "${#WEIGHTS_SOURCES[@]}" -eq 0 ]; then
    log "weights: baked into the image"
    return 0
  fi
  local source mirror ref start
  local -a args
  for source in "${WEIGHTS_SOURCES[@]}"; do
    mirror="${source%% *}"
    ref="${source#* }"
    args=(node /app/runtime/dist/weights/main.js "$ref")
    if [ "$mirror" != default ]; then
      args+=(--mirror "$mirror")
    fi
    log "weights: fetching $ref from $mirror into $MOUNT/hf"
    start=$SECONDS
    # Same cache layout the runtime reads (HF_HOME); a cached re-run transfers no file bodies.
    if docker run --rm --volume "$MOUNT/hf:$CONTAINER_CACHE" --env "HF_HOME=$CONTAINER_CACHE" "$IMAGE" \
      "${args[@]}" >&2; then
      log "weights: ready from $mirror in $((SECONDS - start))s"
      return 0
    fi
    log "weights: $ref from $mirror failed; trying the next source"
  done
  die "weights: every source failed (${WEIGHTS_SOURCES[*]})"
}

# install_private FILE: stdin into FILE, 0400 and owned by the runtime's user (the TLS key), via a
# temporary name so a half-written key is never in place.
install_private() {
  local tmp
  umask 077
  tmp="$(mktemp "$(dirname "$1")/.$(basename "$1").XXXXXX")"
  cat >"$tmp"
  chown "$RUNTIME_UID" "$tmp"
  chmod 0400 "$tmp"
  mv -f "$tmp" "$1"
}

run_container() {
  local -a env_args=() gpu_args=(--gpus all) net_args=(--publish "$PORT:$PORT")
  local -a cache_args=(--volume "$MOUNT/hf:$CONTAINER_CACHE:ro")
  local pair
  if [ "$ROLE" != all ]; then
    # Scale-out roles call the cloud's APIs with the instance role: on the host network the
    # container is one hop from the metadata service, so the hop limit of 1 keeps other containers out.
    net_args=(--network host)
  fi
  if [ "$ROLE" = api ]; then
    gpu_args=()
    cache_args=()
  fi
  for pair in "${RUNTIME_ENV[@]}"; do
    env_args+=(--env "$pair")
  done
  if [ -n "$TLS_KEY_PARAMETER" ]; then
    env_args+=(--volume "$TLS_DIR:$CONTAINER_TLS_DIR:ro"
      --env "I2V_TLS_CERT=$CONTAINER_TLS_DIR/cert.pem" --env "I2V_TLS_KEY=$CONTAINER_TLS_DIR/key.pem")
  fi
  exec docker run --rm --name "$CONTAINER" "${gpu_args[@]}" "${net_args[@]}" \
    --env-file "$ENV_FILE" --env "HF_HOME=$CONTAINER_CACHE" "${cache_args[@]}" \
    "${env_args[@]}" "$IMAGE"
}

wait_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT_S)) token="" url="http://127.0.0.1:$PORT/readyz"
  local -a tls_args=()
  if [ -n "$TLS_KEY_PARAMETER" ]; then
    # The certificate names 127.0.0.1, so the check verifies the chain against the stack's own CA.
    url="https://127.0.0.1:$PORT/readyz"
    tls_args=(--cacert "$TLS_DIR/ca.pem")
  fi
  # /readyz needs the token when one is set; pass it as a header file so it never shows in argv.
  if [ -r "$ENV_FILE" ]; then
    token="$(sed -n 's/^I2V_TOKEN=//p' "$ENV_FILE")"
  fi
  until curl -fsS --max-time 5 "${tls_args[@]}" --header @<(printf 'Authorization: Bearer %s\n' "$token") \
    "$url" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "NOT READY after ${READY_TIMEOUT_S}s; see journalctl -u i2v-prepare -u i2v-runtime"
      return 1
    fi
    sleep 5
  done
  log "READY: $url answers"
}
