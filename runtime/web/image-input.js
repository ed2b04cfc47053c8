// @ts-check

/**
 * The photo picker: a file input inside a label that also accepts drops, with a preview.
 * @param {HTMLInputElement} input
 * @param {HTMLElement} zone
 * @param {HTMLImageElement} preview
 * @param {HTMLElement} hint
 * @param {(file: File) => void} [onChange] called with each newly chosen photo
 * @returns {{file(): File | undefined}}
 */
export function setupImageInput(input, zone, preview, hint, onChange) {
  /** @type {File | undefined} */
  let file;
  const show = (/** @type {File | undefined} */ next) => {
    if (!next) return;
    file = next;
    if (preview.src) URL.revokeObjectURL(preview.src);
    preview.src = URL.createObjectURL(next);
    preview.alt = `Preview of ${next.name}`;
    preview.hidden = false;
    hint.hidden = true;
    onChange?.(next);
  };
  input.addEventListener("change", () => show(input.files?.[0]));
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    const dropped = event.dataTransfer?.files?.[0];
    if (dropped?.type.startsWith("image/")) show(dropped);
  });
  return { file: () => file };
}
