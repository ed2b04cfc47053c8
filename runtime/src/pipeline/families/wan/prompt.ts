/**
 * diffusers' Wan `prompt_clean`: ftfy.fix_text, html.unescape twice, strip, then whitespace runs to
 * one space. TEMPORARY: only the whitespace part (enough for ASCII prompts without entities); the
 * full port comes from the wan-blocks branch.
 */
export function cleanPrompt(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
