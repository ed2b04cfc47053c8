import { I2VGENXL } from "./i2vgen-xl-config.ts";

/**
 * A tiny tokenizer.json with the structure of CLIP's (what CLIPTokenizerFast saves for I2VGen-XL):
 * NFC + whitespace + lowercase normalizer, CLIP's split regex then byte-level, BPE with `</w>`, and
 * RobertaProcessing adding <|startoftext|> / <|endoftext|>. Only the vocabulary is small.
 */
export function clipStyleTokenizerJson(): object {
  const letters = "abcdefghijklmnopqrstuvwxyz".split("");
  const vocab: Record<string, number> = { "!": 0 };
  letters.forEach((c, i) => {
    vocab[c] = 1 + i;
    vocab[`${c}</w>`] = 27 + i;
  });
  vocab.ca = 53;
  vocab["cat</w>"] = 54;
  vocab["<|startoftext|>"] = I2VGENXL.bos;
  vocab["<|endoftext|>"] = I2VGENXL.eos;
  const special = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: true,
    special: true,
  });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [special(I2VGENXL.bos, "<|startoftext|>"), special(I2VGENXL.eos, "<|endoftext|>")],
    normalizer: {
      type: "Sequence",
      normalizers: [
        { type: "NFC" },
        { type: "Replace", pattern: { Regex: "\\s+" }, content: " " },
        { type: "Lowercase" },
      ],
    },
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        {
          type: "Split",
          pattern: {
            Regex:
              "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
          },
          behavior: "Removed",
          invert: true,
        },
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: "RobertaProcessing",
      sep: ["<|endoftext|>", I2VGENXL.eos],
      cls: ["<|startoftext|>", I2VGENXL.bos],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: "<|endoftext|>",
      continuing_subword_prefix: "",
      end_of_word_suffix: "</w>",
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges: ["c a", "ca t</w>"],
    },
  };
}

/** tokenizer_config.json and special_tokens_map.json as I2VGen-XL's tokenizer/ folder has them (pad "!"). */
export const CLIP_TOKENIZER_CONFIG = {
  model_max_length: I2VGENXL.maxLength,
  bos_token: "<|startoftext|>",
  eos_token: "<|endoftext|>",
  pad_token: "!",
  unk_token: "<|endoftext|>",
};
