import { readFile } from "node:fs/promises";
import { Tokenizer } from "@huggingface/tokenizers";
import type { Manifest } from "./manifest.ts";

/** Turns prompts into the fixed-length id rows the text encoder takes. */
export interface PromptTokenizer {
  /** Ids padded or truncated to `max_length`, with the model's start and end tokens. */
  encode(text: string): BigInt64Array;
  /** The same ids with transformers' attention mask (1 for each id of the prompt, 0 for padding). */
  encodeMasked(text: string): { ids: BigInt64Array; mask: BigInt64Array };
}

/** Reads the model's tokenizer.json with Hugging Face's tokenizer library. */
export async function loadTokenizer(file: string, config: Manifest["tokenizer"]): Promise<PromptTokenizer> {
  const json = JSON.parse(await readFile(file, "utf8"));
  const tokenizer = new Tokenizer(json, { model_max_length: config.max_length });
  const unknownId =
    json.model?.unk_token !== undefined ? json.model.vocab?.[json.model.unk_token] : undefined;
  // The sequence ends with a special token when we add one or the tokenizer's post-processor does.
  const endsWithToken = config.eos_id !== null || (json.post_processor ?? null) !== null;
  const encode = (text: string) => {
    const { ids } = tokenizer.encode(text, { add_special_tokens: true });
    const body = (ids as (number | undefined)[]).map((id) => {
      // Some tokenizer models give no id for an unknown word; map it to the unknown token.
      if (typeof id === "number") return id;
      if (unknownId === undefined)
        throw new Error(`tokenizer has no id for a word in "${text}" and no unknown token`);
      return unknownId;
    });
    const withSpecial = [
      ...(config.bos_id !== null ? [config.bos_id] : []),
      ...body,
      ...(config.eos_id !== null ? [config.eos_id] : []),
    ];
    // Truncate like transformers: keep the end token (ours, or the one the tokenizer's own
    // post-processor appended, as CLIP's does) as the last id.
    if (withSpecial.length > config.max_length && !endsWithToken) {
      withSpecial.length = config.max_length;
    } else if (withSpecial.length > config.max_length) {
      const last = withSpecial[withSpecial.length - 1] as number;
      withSpecial.length = config.max_length - 1;
      withSpecial.push(last);
    }
    const out = new BigInt64Array(config.max_length).fill(BigInt(config.pad_id));
    withSpecial.forEach((id, i) => {
      out[i] = BigInt(id);
    });
    return { ids: out, length: withSpecial.length };
  };
  return {
    encode: (text) => encode(text).ids,
    encodeMasked(text) {
      const { ids, length } = encode(text);
      const mask = new BigInt64Array(ids.length);
      mask.fill(1n, 0, length);
      return { ids, mask };
    },
  };
}
