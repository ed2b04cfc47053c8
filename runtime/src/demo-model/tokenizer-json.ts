import { SPECIAL_TOKENS, vocabulary } from "./vocabulary.ts";

/**
 * The demo model's tokenizer.json in Hugging Face's format (WordPiece with BERT normalization),
 * read by the same tokenizer library that reads a real model's tokenizer.json.
 */
export function demoTokenizerJson(): object {
  const vocab = Object.fromEntries(vocabulary().map((word, id) => [word, id]));
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: "BertNormalizer",
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: null,
    decoder: null,
    model: {
      type: "WordPiece",
      unk_token: "[UNK]",
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab,
    },
  };
}
