
# --- Alibaba Cloud body: infra/alicloud/user-data/i2v-boot-alicloud.sh (shared functions above) ---
# Subcommands, run by cloud-init and the same systemd units as on AWS:
#   host-setup  first boot: the NVIDIA driver, Docker, the NVIDIA Container Toolkit and the aliyun CLI
#               on a public image (HOST_SETUP=install), or a check that a custom image has them
#   prepare     weights disk, the image (OSS archive, ACR or a registry), driver check, weights
#   token       API token from an OOS secret parameter into the runtime's env file (every start)
#   tls         the TLS key from an OOS secret parameter (cert and CA come with the boot document)
#   run         the runtime container in the foreground
#   wait-ready  poll /readyz until ready, or fail after the deadline
# Alibaba APIs are called with the aliyun CLI as the instance's RAM role (EcsRamRole mode).

# json_get PATH: one field of the JSON document on stdin (PATH like Parameter.Value).
json_get() {
  python3 -c 'import json, sys
value = json.load(sys.stdin)
for key in sys.argv[1].split("."):
    value = value[key]
print(value)' "$1"
}

# apt_install PACKAGE...: from the in-region mirror the boot document's apt section configured.
apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2
}

# step NAME FIX CMD...: one named host-setup step; its failure says what to do.
step() {
  local name="$1" fix="$2" start=$SECONDS
  shift 2
  log "host: $name: start"
  "$@" || die "host: $name failed; $fix"
  log "host: $name: done in $((SECONDS - start))s"
}

install_driver() {
  if nvidia-smi >/dev/null 2>&1; then
    return 0
  fi
  # Ubuntu's prebuilt, signed modules for the running kernel; DKMS only when there are none.
  apt_install "nvidia-headless-no-dkms-$DRIVER_BRANCH" "nvidia-utils-$DRIVER_BRANCH" \
    "linux-modules-nvidia-$DRIVER_BRANCH-$(uname -r)" ||
    apt_install "nvidia-headless-$DRIVER_BRANCH" "nvidia-utils-$DRIVER_BRANCH" "linux-headers-$(uname -r)"
  modprobe nvidia
}

install_docker() {
  if command -v docker >/dev/null 2>&1; then
    return 0
  fi
  apt_install docker.io
  systemctl enable --now docker.service
}

install_toolkit() {
  if ! command -v nvidia-ctk >/dev/null 2>&1; then
    if ! apt_install nvidia-container-toolkit; then
      curl -fsS --max-time 30 "$TOOLKIT_MIRROR/gpgkey" | gpg --batch --yes --dearmor -o /usr/share/keyrings/nvidia-container-toolkit.gpg
      echo "deb [signed-by=/usr/share/keyrings/nvidia-container-toolkit.gpg] $TOOLKIT_MIRROR/stable/deb/amd64 /" >/etc/apt/sources.list.d/nvidia-container-toolkit.list
      apt-get update -q >&2
      apt_install nvidia-container-toolkit
    fi
  fi
  nvidia-ctk runtime configure --runtime=docker >&2
  systemctl restart docker.service
}

install_aliyun_cli() {
  if command -v aliyun >/dev/null 2>&1; then
    return 0
  fi
  curl -fsSL --max-time 300 "$ALIYUN_CLI_URL" | tar -xz -C /usr/local/bin aliyun
}

host_setup() {
  if [ "$HOST_SETUP" = check ]; then
    local tool
    for tool in nvidia-smi docker nvidia-ctk aliyun python3 curl; do
      command -v "$tool" >/dev/null 2>&1 ||
        die "host: $tool is missing from i2v:imageId; a custom image must carry the NVIDIA driver, Docker, the NVIDIA Container Toolkit and the aliyun CLI, or drop i2v:imageId to use the public image (docs/infra.md#alibaba-cloud)"
    done
    log "host: custom image has the driver, Docker, the toolkit and the aliyun CLI"
    return 0
  fi
  step "0/5 apt package lists" "check that the box reaches the in-region mirror (apt-get update), or use a custom image" \
    retry 3 apt-get update -q
  step "1/5 NVIDIA driver $DRIVER_BRANCH" \
    "check that the apt mirror serves Ubuntu's restricted component and nvidia-*-$DRIVER_BRANCH (apt-cache policy nvidia-utils-$DRIVER_BRANCH), or set i2v:imageId to a custom image with driver >= $MIN_DRIVER" \
    install_driver
  step "2/5 Docker" "check apt on the box (apt-get install docker.io), or use a custom image" install_docker
  step "3/5 NVIDIA Container Toolkit" \
    "neither Ubuntu's nvidia-container-toolkit nor the one from $TOOLKIT_MIRROR installed; install it by hand (NVIDIA's install guide) or use a custom image" \
    install_toolkit
  step "4/5 aliyun CLI" "the box could not download $ALIYUN_CLI_URL; check its outbound access (EIP) or use a custom image" \
    install_aliyun_cli
  step "5/5 nvidia-smi" "the driver is installed but no GPU answers; reboot the instance, or check the type is a GPU type" \
    nvidia-smi -L
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

# registry_login (called by pull_image): a temporary ACR token; other registries need none.
registry_login() {
  local answer user
  if [ -z "$ACR_INSTANCE_ID" ]; then
    return 0
  fi
  answer="$(ali cr GetAuthorizationToken --InstanceId "$ACR_INSTANCE_ID")" || return 1
  user="$(json_get TempUsername <<<"$answer")" || return 1
  json_get AuthorizationToken <<<"$answer" | docker login --username "$user" --password-stdin "$REGISTRY" >/dev/null
}

# oss_get OBJECT FILE: one object of the stack's bucket over the internal endpoint, as the role.
oss_get() {
  ali oss cp "oss://$ARCHIVE_BUCKET/$1" "$2" --force --endpoint "$OSS_ENDPOINT" >&2
}

# manifest_get FILE FIELD...: fields of an i2v-offline/1 manifest, one per line (FIELD like archive.sha256).
manifest_get() {
  python3 -c 'import json, sys
m = json.load(open(sys.argv[1]))
if m.get("format") != "i2v-offline/1":
    sys.exit("not an i2v-offline/1 manifest")
for path in sys.argv[2:]:
    value = m
    for key in path.split("."):
        value = value[key]
    print(" ".join(value) if isinstance(value, list) else value)' "$@"
}

# The verified offline archive from the stack's bucket, as `npm run load-image` loads it: size and
# sha256 against the manifest before anything reaches Docker, then the image id after the load.
load_archive() {
  local dir="$MOUNT/image-archive" file manifest id sha bytes kind tags tag start=$SECONDS
  local deadline=$((SECONDS + READY_TIMEOUT_S))
  mkdir -p "$dir"
  file="$dir/$(basename "$ARCHIVE_OBJECT")"
  manifest="$file.manifest.json"
  # The manifest is uploaded last, so it appears only once the archive is complete.
  until oss_get "$ARCHIVE_OBJECT.manifest.json" "$manifest"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      die "image: no oss://$ARCHIVE_BUCKET/$ARCHIVE_OBJECT.manifest.json after ${READY_TIMEOUT_S}s; run the stack's pushCommand (pulumi stack output pushCommand)"
    fi
    log "image: archive not pushed yet (oss://$ARCHIVE_BUCKET/$ARCHIVE_OBJECT); retrying in 15s"
    sleep 15
  done
  id="$(manifest_get "$manifest" imageId)" || die "image: $manifest is not an i2v offline manifest; push again"
  if docker image inspect "$id" >/dev/null 2>&1; then
    docker tag "$id" "$IMAGE"
    log "image: $id already loaded"
    return 0
  fi
  { read -r sha; read -r bytes; read -r kind; read -r tags; } < <(manifest_get "$manifest" archive.sha256 archive.bytes compression tags)
  log "image: downloading oss://$ARCHIVE_BUCKET/$ARCHIVE_OBJECT ($bytes bytes)"
  retry 3 oss_get "$ARCHIVE_OBJECT" "$file" || die "image: could not download oss://$ARCHIVE_BUCKET/$ARCHIVE_OBJECT; does the role's policy name this bucket?"
  if [ "$(stat -c %s "$file")" != "$bytes" ] || [ "$(sha256sum "$file" | cut -d' ' -f1)" != "$sha" ]; then
    rm -f "$file"
    die "image: the archive does not match its manifest (size or sha256): refusing to load; push it again"
  fi
  if [ "$kind" = zstd ]; then
    zstd -q -d -c "$file" | docker load >&2
  else
    gzip -d -c "$file" | docker load >&2
  fi
  docker image inspect "$id" >/dev/null 2>&1 || die "image: loading the archive did not produce $id"
  for tag in $tags; do
    docker tag "$id" "$tag"
  done
  docker tag "$id" "$IMAGE"
  rm -f "$file"
  log "image: verified and loaded $id in $((SECONDS - start))s"
}

load_image() {
  if [ -n "$ARCHIVE_BUCKET" ]; then
    load_archive
  else
    pull_image
  fi
}

# read_secret NAME: the value of an OOS secret parameter.
read_secret() {
  local answer
  # Generous retries: the API endpoint is reached through the EIP, bound just after the instance starts.
  answer="$(retry 8 ali oos GetSecretParameter --Name "$1" --WithDecryption true)" || return 1
  json_get Parameter.Value <<<"$answer"
}

write_token() {
  local dir tmp token
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
}

# The key goes from OOS straight into a 0400 file the runtime's user owns; never echoed or logged.
write_tls() {
  local key
  if [ -z "$TLS_KEY_PARAMETER" ]; then
    return 0
  fi
  key="$(read_secret "$TLS_KEY_PARAMETER")" || die "tls: could not read $TLS_KEY_PARAMETER from OOS"
  printf '%s\n' "$key" | install_private "$TLS_DIR/key.pem"
  log "tls: key from OOS in $TLS_DIR"
}

case "${1:-}" in
  host-setup) host_setup ;;
  prepare)
    log "prepare: start"
    check_gpu
    wait_for_role
    prepare_storage
    load_image
    check_driver
    fetch_weights
    log "prepare: done"
    ;;
  token)
    wait_for_role
    write_token
    ;;
  tls)
    wait_for_role
    write_tls
    ;;
  run) run_container ;;
  wait-ready) wait_ready ;;
  *)
    echo "usage: $0 host-setup|prepare|token|tls|run|wait-ready" >&2
    exit 2
    ;;
esac
