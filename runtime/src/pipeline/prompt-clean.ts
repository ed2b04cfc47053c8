/**
 * Wan's `prompt_clean` (diffusers' pipeline_wan*.py): `ftfy.fix_text`, `html.unescape` twice,
 * strip, then every run of whitespace to one space. The text encoder sees the cleaned prompt, so a
 * prompt that cleans differently tokenizes differently.
 *
 * Ported from ftfy 6.3 `fix_text` with its default config, in its order, per line, repeated until
 * nothing changes: HTML entities ending in `;` (only in a line without `<`), C1 controls read as
 * Windows-1252, Latin ligatures (ﬁ -> fi), fullwidth and halfwidth forms and U+3000 to their
 * standard width (Chinese prompts' `，` becomes `,`), curly quotes to straight ones, line breaks to
 * `\n`, lone surrogates to U+FFFD, ANSI terminal escapes and ftfy's control characters removed,
 * NFC.
 *
 * Not ported: ftfy's mojibake repair (`fix_encoding`: re-decoding text that was decoded in the
 * wrong encoding, such as `cafÃ©`, and its byte-0xA0 and lossy-sequence sub-fixes), and its
 * ALL-CAPS entity names (`&EACUTE;`). Python's `html.unescape` is the WHATWG decoder here
 * (`entities`), which keeps a numeric reference to a C0 control or a noncharacter where Python
 * drops it.
 */
import { DecodingMode, decodeHTML } from "entities";

/** Python's `str.isspace()` characters, which `\s` matches in `re` and `str.strip()` removes. */
const PY_SPACE =
  "\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_SPACE_RUN = new RegExp(`[${PY_SPACE}]+`, "g");
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "g");

/** ftfy's HTML_ENTITY_RE: only references that end in a semicolon. */
const FTFY_ENTITY = /&#?[0-9A-Za-z]{1,24};/g;

/** Windows-1252's characters for bytes 0x80-0x9F; ftfy's sloppy codec keeps the five it lacks. */
const CP1252_C1 =
  "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f" +
  "\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178";

const LIGATURES: Record<string, string> = {
  Ĳ: "IJ",
  ĳ: "ij",
  ŉ: "ʼn",
  Ǳ: "DZ",
  ǲ: "Dz",
  ǳ: "dz",
  Ǆ: "DŽ",
  ǅ: "Dž",
  ǆ: "dž",
  Ǉ: "LJ",
  ǈ: "Lj",
  ǉ: "lj",
  Ǌ: "NJ",
  ǋ: "Nj",
  ǌ: "nj",
  ﬀ: "ff",
  ﬁ: "fi",
  ﬂ: "fl",
  ﬃ: "ffi",
  ﬄ: "ffl",
  ﬅ: "ſt",
  ﬆ: "st",
};
const LIGATURE_RE = new RegExp(`[${Object.keys(LIGATURES).join("")}]`, "g");

/** ftfy's fix_c1_controls: a C1 control is the Windows-1252 character of that byte. */
function fixC1Controls(text: string): string {
  return text.replace(/[\x80-\x9f]/g, (c) => CP1252_C1[(c.codePointAt(0) as number) - 0x80] as string);
}

/** ftfy's fix_character_width: U+3000 and U+FF01-U+FFEF to their NFKC form, where it differs. */
function fixCharacterWidth(text: string): string {
  return text.replace(/[\u3000\uff01-\uffef]/g, (c) => (c === "\u3000" ? " " : c.normalize("NFKC")));
}

/** One pass of ftfy's fixers over a segment, in fix_and_explain's order. */
function ftfyPass(segment: string, unescapeHtml: boolean): string {
  let text = segment;
  if (unescapeHtml) text = text.replace(FTFY_ENTITY, (entity) => decodeHTML(entity, DecodingMode.Strict));
  text = fixC1Controls(text);
  text = text.replace(LIGATURE_RE, (c) => LIGATURES[c] as string);
  text = fixCharacterWidth(text);
  text = text.replace(/[\u201c-\u201f]/g, '"').replace(/[\u02bc\u2018-\u201b]/g, "'");
  text = text.replace(/\r\n|[\r\u2028\u2029\x85]/g, "\n");
  // Paired surrogates are one character in a JS string already; a lone one becomes U+FFFD.
  text = text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ftfy removes ANSI escapes on purpose
  text = text.replace(/\x1b\[((?:\d|;)*)([a-zA-Z])/g, "");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ftfy's remove_control_chars, on purpose
  text = text.replace(/[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g, "");
  return text.normalize("NFC");
}

/** ftfy.fix_text with the default config, for what is ported (see the file comment). */
export function ftfyFixText(text: string): string {
  const out: string[] = [];
  // ftfy fixes each line (with its "\n") as its own segment.
  for (const segment of text.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
    const unescapeHtml = !segment.includes("<");
    let current = segment;
    for (;;) {
      const next = ftfyPass(current, unescapeHtml);
      if (next === current) break;
      current = next;
    }
    out.push(current);
  }
  return out.join("");
}

/** Python's `html.unescape`. */
function htmlUnescape(text: string): string {
  return decodeHTML(text, DecodingMode.Legacy);
}

/** diffusers' Wan `prompt_clean(text)`. */
export function promptClean(text: string): string {
  const basic = htmlUnescape(htmlUnescape(ftfyFixText(text))).replace(PY_STRIP, "");
  return basic.replace(PY_SPACE_RUN, " ").replace(PY_STRIP, "");
}
