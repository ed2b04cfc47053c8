// @ts-check

/**
 * The recent jobs list: newest first; clicking one shows it (its video, its progress or its error).
 * @param {HTMLOListElement} list
 * @param {import("./contract").Job[]} jobs
 * @param {(job: import("./contract").Job) => void} onOpen
 */
export function renderRecent(list, jobs, onOpen) {
  if (jobs.length === 0) {
    const empty = document.createElement("li");
    empty.className = "muted";
    empty.textContent = "No jobs yet.";
    list.replaceChildren(empty);
    return;
  }
  list.replaceChildren(
    ...jobs.map((job) => {
      const item = document.createElement("li");
      item.dataset.jobId = job.id;
      const button = document.createElement("button");
      button.type = "button";
      const what = document.createElement("span");
      const time = new Date(job.created_at).toLocaleTimeString();
      const prompt = job.params?.prompt ? ` · “${truncate(job.params.prompt, 40)}”` : "";
      what.textContent = `${time} · ${job.params?.preset ?? ""}${prompt}`;
      const badge = document.createElement("span");
      badge.className = `badge ${job.status}`;
      badge.textContent = job.status;
      button.append(what, badge);
      button.addEventListener("click", () => onOpen(job));
      item.append(button);
      return item;
    }),
  );
}

function truncate(/** @type {string} */ text, /** @type {number} */ n) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}
