import type { Manifest } from "../../manifest.ts";
import { loadT5Tokenizer } from "../../t5-tokenize.ts";
import type { PromptTokenizer } from "../../tokenize.ts";

/**
 * Wan's prompts: diffusers' `prompt_clean`, then UMT5 ids padded to the manifest's max_length (512)
 * with the attention mask (t5-tokenize.ts), behind the pipeline's PromptTokenizer interface.
 */
export async function loadWanTokenizer(
  file: string,
  config: Manifest["tokenizer"],
): Promise<PromptTokenizer> {
  const t5 = await loadT5Tokenizer(file, config.max_length);
  return {
    encode: (text) => t5.encode(text).ids,
    encodeMasked: (text) => {
      const { ids, mask } = t5.encode(text);
      return { ids, mask };
    },
  };
}
