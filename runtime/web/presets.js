// @ts-check
/** Preset buttons: one per preset the service offers, greyed out with the reason when it will not fit. */

/** @typedef {import("./contract").Preset} PresetInfo */

/**
 * Renders the buttons into `container`. Infeasible presets stay focusable (aria-disabled, not
 * disabled) so keyboard and screen-reader users can still learn why, and hover shows the reason.
 * @param {HTMLElement} container
 * @param {PresetInfo[]} presets
 * @param {string | undefined} selected
 * @param {(preset: PresetInfo) => void} onSelect
 * @param {(message: string) => void} onRefused
 */
export function renderPresets(container, presets, selected, onSelect, onRefused) {
  container.replaceChildren(
    ...presets.map((preset) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "preset";
      button.dataset.preset = preset.name;
      button.setAttribute("aria-pressed", String(preset.name === selected));
      const details = `${preset.resolution}p · ${preset.num_frames} frames · ${preset.num_inference_steps} steps`;
      const note = document.createElement("small");
      note.textContent = preset.fits
        ? details
        : `Unavailable: ${preset.reason ?? "does not fit in memory now"}`;
      button.append(preset.label, note);
      if (!preset.fits) {
        button.setAttribute("aria-disabled", "true");
        button.title = preset.reason ?? "Does not fit in memory now";
      } else {
        const memory = preset.estimated_mb ? ` · about ${preset.estimated_mb} MB` : "";
        button.title = `${details} · ${preset.target_fps} fps${memory}`;
      }
      button.addEventListener("click", () => {
        if (preset.fits) onSelect(preset);
        else onRefused(`${preset.label} is not available: ${button.title}`);
      });
      return button;
    }),
  );
}

/** The preset to start with: the requested one if it fits, else quick, else the first that fits. */
export function initialPreset(/** @type {PresetInfo[]} */ presets, /** @type {string | undefined} */ wanted) {
  const fits = presets.filter((p) => p.fits);
  return fits.find((p) => p.name === wanted) ?? fits.find((p) => p.name === "quick") ?? fits[0];
}
