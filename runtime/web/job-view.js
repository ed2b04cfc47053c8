// @ts-check
import { withToken } from "./api.js";

/** What each pipeline stage means to someone watching. */
const STAGE_LABELS = /** @type {Record<string, string>} */ ({
  preprocess: "Preparing the photo",
  text_encode: "Reading the prompt",
  image_encode: "Reading the photo",
  vae_encode: "Encoding the photo",
  denoise: "Generating frames",
  vae_decode: "Decoding frames",
  encode: "Writing the MP4",
});

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** Shows a job's state in the output panel: progress while it runs, the video once it is done. */
export function showJob(/** @type {import("./contract").Job} */ job) {
  $("placeholder").hidden = true;
  const running = job.status === "queued" || job.status === "running";
  $("progress-box").hidden = !running;
  $("result").hidden = job.status !== "succeeded";
  if (running) showProgress(job);
  if (job.status === "succeeded") showResult(job);
  if (job.status === "failed") showError(job.error ?? { message: "The job failed." });
  if (job.status === "canceled")
    showError({ message: "The job was canceled.", hint: "Submit it again to retry." });
}

function showProgress(/** @type {import("./contract").Job} */ job) {
  const bar = /** @type {HTMLProgressElement} */ ($("progress"));
  const p = job.progress;
  let text;
  if (job.status === "queued") {
    const ahead = (job.queue_position ?? 1) - 1;
    text = ahead > 0 ? `Queued: ${ahead} job(s) ahead` : "Queued: starting soon";
    bar.removeAttribute("value"); // indeterminate
  } else if (p) {
    const stage = STAGE_LABELS[p.stage] ?? p.stage;
    text = p.steps > 1 ? `${stage}: step ${p.step} of ${p.steps}` : stage;
    bar.value = p.steps > 0 ? p.step / p.steps : 0;
  } else {
    text = "Starting";
    bar.removeAttribute("value");
  }
  $("status").textContent = text;
  bar.setAttribute("aria-valuetext", text);
}

function showResult(/** @type {import("./contract").Job} */ job) {
  const video = /** @type {HTMLVideoElement} */ ($("video"));
  // A succeeded job always has its video_url (the contract's Job); the fallback keeps the type honest.
  const src = withToken(job.video_url ?? `/v1/jobs/${encodeURIComponent(job.id)}/video`);
  // Re-setting the same src would restart the video on every update.
  if (video.getAttribute("src") !== src) {
    video.src = src;
    video.play().catch(() => {}); // autoplay policy may refuse; the controls remain
  }
  const link = /** @type {HTMLAnchorElement} */ ($("download"));
  link.href = src;
  link.download = `i2v-${job.id}.mp4`;
  const r = job.result;
  const seconds =
    job.started_at && job.finished_at ? (Date.parse(job.finished_at) - Date.parse(job.started_at)) / 1000 : 0;
  $("result-meta").textContent = r
    ? `${r.width}×${r.height}, ${r.frames} frames at ${r.fps} fps, seed ${r.seed}${seconds ? `, made in ${seconds.toFixed(1)} s` : ""}`
    : "";
}

/** Shows `{message, hint}` from an API error (or any Error) above the form's end. */
export function showError(/** @type {{message: string, hint?: string}} */ error) {
  const box = $("error");
  const message = document.createElement("p");
  message.textContent = error.message;
  box.replaceChildren(message);
  if (error.hint) {
    const hint = document.createElement("p");
    hint.textContent = error.hint;
    box.append(hint);
  }
  box.hidden = false;
}

export function clearError() {
  $("error").hidden = true;
}
