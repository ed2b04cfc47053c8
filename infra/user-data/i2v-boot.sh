# --- AWS body: infra/user-data/i2v-boot.sh (the shared functions above: infra/user-data/boot-lib.sh) ---

# Subcommands, run by systemd units and cloud-init:
#   prepare     fast storage, container image, weights (every boot; idempotent)
#   token       API token from SSM Parameter Store into the runtime's env file (every start)
#   tls         server certificate, CA and key from SSM Parameter Store into $TLS_DIR (every start, reload)
#   run         the runtime container in the foreground
#   lifecycle   scale-out workers: follow the Auto Scaling lifecycle (warm pool, in service, drain)
#   wait-ready  poll /readyz until ready, or fail after the deadline
# The only disk we attach is the model volume: an EBS disk with no partitions (the root disk has them).
find_ebs_model_disk() {
  local disk
  for disk in $(lsblk -dpno NAME,MODEL | awk '/Amazon Elastic Block Store/ {print $1}'); do
    if [ "$(lsblk -no NAME "$disk" | wc -l)" -eq 1 ] && [ -z "$(lsblk -no MOUNTPOINT "$disk")" ]; then
      echo "$disk"
      return 0
    fi
  done
  return 1
}

wait_for_ebs_model_disk() {
  local deadline=$((SECONDS + 600)) disk
  # The volume is attached after the instance starts running, so it may not be there yet.
  until disk="$(find_ebs_model_disk)"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      die "model volume did not appear within 600s"
    fi
    sleep 3
  done
  echo "$disk"
}

instance_store_device() {
  local -a disks
  mapfile -t disks < <(lsblk -dpno NAME,MODEL | awk '/Amazon EC2 NVMe Instance Storage/ {print $1}')
  if [ "${#disks[@]}" -eq 0 ]; then
    die "no instance-store NVMe found; set i2v:modelStorage to ebs for this type"
  fi
  if [ "${#disks[@]}" -eq 1 ]; then
    echo "${disks[0]}"
    return 0
  fi
  # Stripe several NVMe devices into one; after a reboot the array already exists.
  if [ ! -e /dev/md/i2v ]; then
    mdadm --assemble /dev/md/i2v "${disks[@]}" >/dev/null 2>&1 ||
      mdadm --create /dev/md/i2v --run --level=0 --raid-devices="${#disks[@]}" "${disks[@]}" >&2
  fi
  echo /dev/md/i2v
}

prepare_storage() {
  local device
  if mountpoint -q "$MOUNT"; then
    log "storage: $MOUNT already mounted"
    return 0
  fi
  mkdir -p "$MOUNT"
  if [ "$STORAGE" = instance-store ]; then
    # The DLAMI mounts its instance store at boot, possibly after this unit starts; give it a
    # minute rather than racing it for the same devices.
    local waited=0
    while ! mountpoint -q /opt/dlami/nvme && [ -d /opt/dlami ] && [ "$waited" -lt 60 ]; do
      sleep 2
      waited=$((waited + 2))
    done
  fi
  if [ "$STORAGE" = instance-store ] && mountpoint -q /opt/dlami/nvme; then
    # The DLAMI has already striped and mounted the instance store; share it instead of reformatting.
    mkdir -p /opt/dlami/nvme/i2v
    mount --bind /opt/dlami/nvme/i2v "$MOUNT"
    log "storage: instance store (DLAMI mount /opt/dlami/nvme)"
    return 0
  fi
  if [ "$STORAGE" = instance-store ]; then
    device="$(instance_store_device)"
  else
    device="$(wait_for_ebs_model_disk)"
  fi
  if ! blkid "$device" >/dev/null 2>&1; then
    # nodiscard: a fresh NVMe or gp3 device is already empty, and discarding TBs takes minutes.
    mkfs.ext4 -q -F -E nodiscard -L i2v-models "$device"
  fi
  mount -o noatime "$device" "$MOUNT"
  log "storage: $STORAGE $device on $MOUNT ($(df -h --output=size "$MOUNT" | tail -n 1 | tr -d ' '))"
}

# registry_login (called by pull_image): ECR with the instance role; other registries need none.
registry_login() {
  if [ -n "$ECR_REGISTRY" ]; then
    aws ecr get-login-password --region "$ECR_REGION" | docker login --username AWS --password-stdin "$ECR_REGISTRY" >/dev/null
  fi
}

write_token() {
  local dir tmp token
  dir="$(dirname "$ENV_FILE")"
  umask 077
  install -d -m 0700 "$dir"
  tmp="$(mktemp "$dir/.runtime.env.XXXXXX")"
  if [ -n "$TOKEN_PARAMETER" ]; then
    token="$(retry 5 aws ssm get-parameter --region "$REGION" --name "$TOKEN_PARAMETER" --with-decryption \
      --query Parameter.Value --output text)" || die "could not read $TOKEN_PARAMETER from SSM"
    printf 'I2V_TOKEN=%s\n' "$token" >"$tmp"
  fi
  if [ -n "$QUEUE_URL_PARAMETER" ]; then
    # The URL carries the queue's auth token: SecureString, env file only.
    token="$(retry 5 ssm_value "$QUEUE_URL_PARAMETER")" || die "could not read $QUEUE_URL_PARAMETER from SSM"
    printf 'I2V_QUEUE_URL=%s\n' "$token" >>"$tmp"
  fi
  chmod 0600 "$tmp"
  mv -f "$tmp" "$ENV_FILE"
}

ssm_value() {
  aws ssm get-parameter --region "$REGION" --name "$1" --with-decryption --query Parameter.Value --output text
}

# Certificate, CA and key go from SSM straight into 0400 files the runtime's user owns; never echoed or logged.
write_tls() {
  local entry file name value
  if [ -z "$TLS_KEY_PARAMETER" ]; then
    return 0
  fi
  install -d -m 0700 -o "$RUNTIME_UID" "$TLS_DIR"
  for entry in "cert.pem=$TLS_CERT_PARAMETER" "ca.pem=$TLS_CA_PARAMETER" "key.pem=$TLS_KEY_PARAMETER"; do
    file="${entry%%=*}"
    name="${entry#*=}"
    value="$(retry 5 ssm_value "$name")" || die "tls: could not read $name from SSM"
    printf '%s\n' "$value" | install_private "$TLS_DIR/$file"
  done
  log "tls: certificate and key from SSM in $TLS_DIR"
}

# imds PATH: one IMDSv2 read (a session token first; IMDSv1 is off on every i2v instance).
imds() {
  local session
  session="$(curl -fsS --max-time 2 -X PUT --header 'X-aws-ec2-metadata-token-ttl-seconds: 60' \
    http://169.254.169.254/latest/api/token)" || return 1
  curl -fsS --max-time 2 --header "X-aws-ec2-metadata-token: $session" "http://169.254.169.254/latest/$1"
}

complete_hook() {
  local instance
  instance="$(imds meta-data/instance-id)" || return 1
  aws autoscaling complete-lifecycle-action --region "$REGION" --auto-scaling-group-name "$ASG_NAME" \
    --lifecycle-hook-name "$1" --instance-id "$instance" --lifecycle-action-result CONTINUE >/dev/null
}

# Prepared once per boot: image pulled, weights on the fast disk; then the launch hook (warm pool only).
prepare_for_group() {
  systemctl start i2v-prepare.service || die "prepare failed; see journalctl -u i2v-prepare"
  if [ -n "$LAUNCH_HOOK" ]; then
    retry 5 complete_hook "$LAUNCH_HOOK" || die "could not complete the launch hook $LAUNCH_HOOK"
  fi
}

watch_lifecycle() {
  local state started=""
  while true; do
    state="$(imds meta-data/autoscaling/target-lifecycle-state || echo unknown)"
    case "$state" in
      Warmed:*)
        if [ -z "$started" ]; then
          prepare_for_group
          started=warm
          log "lifecycle: prepared for the warm pool ($state); the group stops this instance next"
        fi
        ;;
      InService)
        if [ "$started" != service ]; then
          prepare_for_group
          systemctl start --no-block i2v-runtime.service
          started=service
          log "lifecycle: in service; runtime started"
        fi
        ;;
      Terminated)
        # Scale-in: SIGTERM makes the worker stop taking jobs and finish (or hand back) the one it runs.
        log "lifecycle: scale-in; draining for up to ${DRAIN_TIMEOUT_S}s"
        systemctl stop i2v-runtime.service
        retry 5 complete_hook "$TERMINATE_HOOK" || die "could not complete the terminate hook $TERMINATE_HOOK"
        log "lifecycle: drained; terminate hook completed"
        return 0
        ;;
    esac
    sleep 5
  done
}

case "${1:-}" in
  prepare)
    log "prepare: start ($ROLE)"
    if [ "$ROLE" != api ]; then
      check_gpu
      prepare_storage
    fi
    pull_image
    if [ "$ROLE" != api ]; then
      check_driver
      fetch_weights
    fi
    log "prepare: done"
    ;;
  token) write_token ;;
  tls) write_tls ;;
  run) run_container ;;
  wait-ready) wait_ready ;;
  lifecycle) watch_lifecycle ;;
  *)
    echo "usage: $0 prepare|token|tls|run|wait-ready|lifecycle" >&2
    exit 2
    ;;
esac
