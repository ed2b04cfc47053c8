// @ts-check
import { adoptTokenFromUrl, api, getToken, onUnauthorized, setToken } from "./api.js";
import { followJob, isTerminal } from "./follow.js";
import { setupImageInput } from "./image-input.js";
import { clearError, showError, showJob } from "./job-view.js";
import { initialPreset, renderPresets } from "./presets.js";
import { renderRecent } from "./recent.js";

/** @param {string} id */
const $ = (id) => /** @type {any} */ (document.getElementById(id));

const form = /** @type {HTMLFormElement} */ ($("job-form"));
/** @type {import("./presets.js").PresetInfo[]} */
let presets = [];
/** @type {string | undefined} */
let selectedPreset;
/** @type {(() => void) | undefined} */
let stopFollowing;
/** @type {import("./contract").Job | undefined} */
let currentJob;
/**
 * The job the Generate button made, while it is uploading (`"uploading"`) or queued or running:
 * the button stays disabled until it ends, so a double click (or Enter pressed twice) makes one job.
 * @type {string | undefined}
 */
let pendingJob;

adoptTokenFromUrl();
onUnauthorized(askForToken);
// A new photo answers "Choose a photo first." and any complaint about the previous one.
const image = setupImageInput($("image"), $("drop-zone"), $("preview"), $("drop-hint"), () => clearError());
form.addEventListener("submit", (event) => {
  event.preventDefault();
  submit();
});
$("cancel").addEventListener("click", cancel);
loadSystem();
loadPresets();
loadRecent();
// The header's queue count stays live while the page is open (cheap: one small GET).
setInterval(() => {
  if (document.visibilityState === "visible") loadSystem();
}, 5000);

/** Enables Generate again, or keeps it disabled with a label that says why. */
function setPending(/** @type {string | undefined} */ job, /** @type {string} */ label = "Generating…") {
  pendingJob = job;
  const button = $("submit");
  button.disabled = job !== undefined;
  button.textContent = job === undefined ? "Generate video" : label;
}

async function submit() {
  if (pendingJob) return;
  clearError();
  const file = image.file();
  if (!file) return showError({ message: "Choose a photo first.", hint: "Drop it on the box or click it." });
  const body = new FormData();
  body.set("image", file);
  body.set("preset", selectedPreset ?? "quick");
  // One id per click: a retried upload returns the same job instead of a second generation.
  body.set("client_id", randomId());
  for (const name of [
    "prompt",
    "negative_prompt",
    "seed",
    "num_inference_steps",
    "guidance_scale",
    "num_frames",
    "target_fps",
  ]) {
    const value = String(new FormData(form).get(name) ?? "").trim();
    if (value !== "") body.set(name, value);
  }
  setPending("uploading", "Uploading…");
  try {
    /** @type {import("./contract").Job} */
    const job = await api("/v1/jobs", { method: "POST", body });
    setPending(isTerminal(job) ? undefined : job.id);
    open(job);
    loadRecent();
  } catch (error) {
    setPending(undefined);
    showError(/** @type {Error} */ (error));
    if (/** @type {any} */ (error).code === "insufficient_memory") loadPresets();
  }
}

/** Shows a job, and follows it while it is not finished. */
function open(/** @type {import("./contract").Job} */ job) {
  stopFollowing?.();
  // Opening another job stops following the one Generate made: the button is free again.
  if (pendingJob && pendingJob !== "uploading" && pendingJob !== job.id) setPending(undefined);
  currentJob = job;
  clearError();
  showJob(job);
  loadSystem();
  if (isTerminal(job)) return;
  let status = job.status;
  stopFollowing = followJob(
    job.id,
    (next) => {
      currentJob = next;
      showJob(next);
      // Queued -> running -> done each move the header's count.
      if (next.status !== status) loadSystem();
      status = next.status;
      if (isTerminal(next)) {
        if (pendingJob === next.id) setPending(undefined);
        loadRecent();
      }
    },
    (error) => {
      if (pendingJob === job.id) setPending(undefined);
      showError(/** @type {Error} */ (error));
    },
  );
}

async function cancel() {
  if (!currentJob) return;
  try {
    showJob(await api(`/v1/jobs/${encodeURIComponent(currentJob.id)}/cancel`, { method: "POST" }));
  } catch (error) {
    showError(/** @type {Error} */ (error));
  }
}

async function loadPresets() {
  try {
    /** @type {import("./contract").PresetsResponse} */
    const answer = await api("/v1/presets");
    presets = answer.presets;
    applyLimits(answer.limits);
    select(initialPreset(presets, selectedPreset));
  } catch (error) {
    $("presets").textContent = "Presets could not be loaded.";
    showError(/** @type {Error} */ (error));
  }
}

function select(/** @type {import("./presets.js").PresetInfo | undefined} */ preset) {
  selectedPreset = preset?.name;
  const pick = (/** @type {import("./presets.js").PresetInfo} */ next) => {
    clearError(); // a "not available" note from an earlier click no longer applies
    select(next);
  };
  renderPresets($("presets"), presets, selectedPreset, pick, (message) =>
    showError({ message, hint: "Pick a smaller preset, or free memory on the server." }),
  );
  if (!preset) return;
  // Empty advanced fields mean "the preset's value": show those values as placeholders.
  for (const name of ["num_inference_steps", "guidance_scale", "num_frames", "target_fps"]) {
    const input = form.elements.namedItem(name);
    if (input instanceof HTMLInputElement) input.placeholder = String(/** @type {any} */ (preset)[name]);
  }
}

/** Copies the service's parameter limits onto the inputs, so the browser checks them too. */
function applyLimits(/** @type {import("./contract").Limits} */ limits) {
  const fields = {
    seed: "seed",
    steps: "num_inference_steps",
    guidance: "guidance_scale",
    frames: "num_frames",
    fps: "target_fps",
  };
  for (const [key, name] of Object.entries(fields)) {
    const input = form.elements.namedItem(name);
    const range = limits[/** @type {"seed" | "steps" | "guidance" | "frames" | "fps"} */ (key)];
    if (!(input instanceof HTMLInputElement) || !range) continue;
    input.min = String(range.min);
    input.max = String(range.max);
  }
}

async function loadRecent() {
  try {
    /** @type {import("./contract").JobList} */
    const { jobs } = await api("/v1/jobs?limit=10");
    renderRecent($("recent"), jobs, open);
  } catch {
    // The list is a convenience; errors that matter show where the user acted.
  }
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let systemRetry;

async function loadSystem() {
  try {
    /** @type {import("./contract").System} */
    const s = await api("/v1/system");
    if (!s.ready || !s.model || !s.memory) {
      $("system").textContent = "Loading the model…";
      // Presets cannot say what fits until the model is loaded: look again shortly (once: the
      // periodic refresh calls this too).
      if (!systemRetry)
        systemRetry = setTimeout(() => {
          systemRetry = undefined;
          loadSystem().then(loadPresets);
        }, 2000);
      return;
    }
    const gb = (/** @type {number} */ mb) => `${(mb / 1024).toFixed(1)} GB`;
    const memory = `${s.memory.kind === "gpu" ? "GPU" : "host"} memory ${gb(s.memory.free_mb)} free of ${gb(s.memory.total_mb)}`;
    $("system").textContent =
      `${s.model.name} (${s.model.variant}, ${s.model.provider}) · ${memory} · ${s.queue.waiting} waiting`;
  } catch (error) {
    $("system").textContent = `Not connected: ${/** @type {Error} */ (error).message}`;
  }
}

/** Shows the token dialog; resolves true when the user saved a token. */
function askForToken() {
  const dialog = /** @type {HTMLDialogElement} */ ($("token-dialog"));
  const input = $("token");
  input.value = getToken();
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => {
        const saved = dialog.returnValue === "save" && input.value.trim() !== "";
        if (saved) {
          setToken(input.value.trim());
          // Requests made before the token was known failed: load them again.
          loadSystem();
          loadRecent();
        }
        resolve(saved);
      },
      { once: true },
    );
  });
}

/** crypto.randomUUID exists only in secure contexts; the GPU box is often plain http. */
function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}
