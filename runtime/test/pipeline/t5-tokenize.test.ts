/**
 * Wan's prompt path against transformers and diffusers themselves (the Wan env): a tiny UMT5-style
 * tokenizer built offline (SentencePiece Unigram, nmt_nfkc, as the published one), then for each
 * prompt diffusers' `prompt_clean` and the tokenizer call of `_get_t5_prompt_embeds` (pad to 512,
 * truncation, attention mask) against our `promptClean` + `loadT5Tokenizer`.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { promptClean } from "../../src/pipeline/prompt-clean.ts";
import { loadT5Tokenizer, type T5PromptTokenizer } from "../../src/pipeline/t5-tokenize.ts";
import { tempDir } from "../support/demo.ts";
import { wanPython } from "../support/wan-python.ts";

const python = await wanPython();
const BUILDER = path.join(import.meta.dirname, "..", "real-model", "tiny_umt5_tokenizer.py");
const MAX_LENGTH = 512;

/** Wan's default negative prompt (diffusers' examples and Wan's own config). */
const WAN_NEGATIVE =
  "色调艳丽，过曝，静态，细节模糊不清，字幕，风格，作品，画作，画面，静止，整体发灰，最差质量，低质量，JPEG压缩残留，丑陋的，残缺的，多余的手指，画得不好的手部，画得不好的脸部，畸形的，毁容的，形态畸形的肢体，手指融合，静止不动的画面，杂乱的背景，三条腿，背景人很多，倒着走";

const PROMPTS = [
  "a cat walking on the beach at sunset",
  "  A Cat\tWalking\n\non the   BEACH  \n",
  "tom &amp;amp; jerry &lt;3, caf&eacute; &#233; &#x41;",
  "<b>bold</b> &amp; &quot;html&quot; stays for html.unescape",
  "“curly” ‘quotes’ and the ﬁne ﬂow of ligatures",
  "ｆｕｌｌｗｉｄｔｈ　ＡＳＣＩＩ，一只猫在海滩上散步。",
  WAN_NEGATIVE,
  "line\r\nbreaks\u2028and\u2029separators\u0085next",
  "\u001b[31mred\u001b[0m text with \u0007 bell and \ufeff bom",
  "\u0093smart quotes\u0094 from Windows-1252",
  "cafe\u0301 decomposed, Ünïcödé naïve résumé",
  "🐱 emoji are unknown 🎬",
  "zero\u200bwidth\u00a0no-break\u3000spaces\u2009thin",
  "",
  "a cat ".repeat(400),
];

let tokenizer: T5PromptTokenizer;
let reference: { cleaned: string[]; input_ids: number[][]; attention_mask: number[][] };

describe.skipIf(!python)("Wan prompt tokenization equals transformers + diffusers' prompt_clean", () => {
  beforeAll(() => {
    const dir = tempDir("i2v-umt5-");
    const run = (args: string[], input?: string) =>
      execFileSync(python as string, [BUILDER, ...args], { input, timeout: 300_000 }).toString();
    run(["build", dir]);
    run(["runtime-json", dir, path.join(dir, "runtime-tokenizer.json")]);
    const out = run(["tokenize", dir, String(MAX_LENGTH)], JSON.stringify(PROMPTS))
      .trim()
      .split("\n");
    reference = JSON.parse(out[out.length - 1] as string);
    return loadT5Tokenizer(path.join(dir, "runtime-tokenizer.json"), MAX_LENGTH).then((t) => {
      tokenizer = t;
    });
  }, 300_000);

  PROMPTS.forEach((prompt, i) => {
    it(`prompt ${i}: ${JSON.stringify(prompt.slice(0, 40))}`, () => {
      expect(promptClean(prompt)).toBe(reference.cleaned[i]);
      const ours = tokenizer.encode(prompt);
      expect([...ours.ids].map(Number)).toEqual(reference.input_ids[i]);
      expect([...ours.mask].map(Number)).toEqual(reference.attention_mask[i]);
      expect(ours.length).toBe((reference.attention_mask[i] as number[]).filter((m) => m === 1).length);
    });
  });

  it("the prompts cover truncation (</s> kept last) and a visible prompt difference", () => {
    const long = tokenizer.encode(PROMPTS[PROMPTS.length - 1] as string);
    expect(long.length).toBe(MAX_LENGTH);
    expect(long.ids[MAX_LENGTH - 1]).toBe(
      BigInt(reference.input_ids[PROMPTS.length - 1]?.[MAX_LENGTH - 1] ?? -1),
    );
    expect([...tokenizer.encode("a cat").ids]).not.toEqual([...tokenizer.encode("a dog").ids]);
  });
});
