import { readFile } from "node:fs/promises";
import { Tokenizer } from "@huggingface/tokenizers";
import { promptClean } from "./prompt-clean.ts";

/** One prompt as Wan's text encoder takes it. */
export interface T5Encoding {
  /** Token ids, `</s>` last, padded with `<pad>` to `maxLength`. */
  ids: BigInt64Array;
  /** 1 for the real tokens (the `</s>` included), 0 for padding. */
  mask: BigInt64Array;
  /** The number of real tokens (diffusers' `seq_lens`). */
  length: number;
}

export interface T5PromptTokenizer {
  /** `prompt_clean` (unless `clean` is false), then tokenize, truncate, pad, mask. */
  encode(prompt: string, options?: { clean?: boolean }): T5Encoding;
}

/**
 * Wan's UMT5 tokenization, as diffusers' `_get_t5_prompt_embeds` calls the tokenizer:
 * `prompt_clean`, then `padding="max_length", max_length=512, truncation=True,
 * add_special_tokens=True, return_attention_mask=True`. Truncation keeps `</s>` last, as
 * transformers does for a post-processor that appends it. Reads the tokenizer.json the exporter
 * writes (transformers' own backend tokenizer, saved as it runs) with Hugging Face's library.
 */
export async function loadT5Tokenizer(file: string, maxLength = 512): Promise<T5PromptTokenizer> {
  const json = JSON.parse(await readFile(file, "utf8"));
  const tokenizer = new Tokenizer(json, {});
  const eos = tokenizer.token_to_id("</s>");
  const pad = tokenizer.token_to_id("<pad>");
  if (eos === undefined || pad === undefined)
    throw Object.assign(new Error(`${file} has no </s> or <pad> token: not a T5/UMT5 tokenizer`), {
      hint: "export the model again; the Wan text encoder's tokenizer.json comes from its tokenizer/ folder",
    });
  return {
    encode(prompt, options = {}) {
      const text = options.clean === false ? prompt : promptClean(prompt);
      const body = tokenizer.encode(text, { add_special_tokens: false }).ids as number[];
      const tokens = [...body.slice(0, maxLength - 1), eos];
      const ids = new BigInt64Array(maxLength).fill(BigInt(pad));
      const mask = new BigInt64Array(maxLength);
      tokens.forEach((id, i) => {
        ids[i] = BigInt(id);
        mask[i] = 1n;
      });
      return { ids, mask, length: tokens.length };
    },
  };
}
