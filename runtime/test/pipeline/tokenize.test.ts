/** The prompt tokenizer on the demo model's tokenizer.json, read by Hugging Face's library. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureDemoModel } from "../../src/demo-model/build.ts";
import type { Manifest } from "../../src/pipeline/manifest.ts";
import { loadTokenizer, type PromptTokenizer } from "../../src/pipeline/tokenize.ts";
import { tempDir } from "../support/demo.ts";

let tokenizer: PromptTokenizer;
let config: Manifest["tokenizer"];
let vocab: Record<string, number>;

beforeAll(async () => {
  const dir = await ensureDemoModel(tempDir());
  const manifest = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as Manifest;
  config = manifest.tokenizer;
  const file = path.join(dir, config.file);
  vocab = JSON.parse(await readFile(file, "utf8")).model.vocab;
  tokenizer = await loadTokenizer(file, config);
});

const ids = (text: string) => [...tokenizer.encode(text)].map(Number);

describe("PromptTokenizer", () => {
  it("frames the prompt with BOS and EOS, then pads with pad_id to max_length", () => {
    const row = ids("Pan LEFT");
    expect(row).toHaveLength(config.max_length);
    expect(row.slice(0, 4)).toEqual([config.bos_id, vocab.pan, vocab.left, config.eos_id]);
    expect(new Set(row.slice(4))).toEqual(new Set([config.pad_id]));
  });

  it("maps unknown words to [UNK], never to undefined or NaN", () => {
    const row = ids("zoom into the xylophonequasar");
    expect(row.every((id) => Number.isInteger(id))).toBe(true);
    expect(row).toContain(vocab["[UNK]"]);
    expect(row.slice(0, 2)).toEqual([config.bos_id, vocab.zoom]);
  });

  it("truncates a long prompt to max_length and keeps EOS last", () => {
    const row = ids(Array.from({ length: 200 }, (_, i) => (i % 2 ? "left" : "right")).join(" "));
    expect(row).toHaveLength(config.max_length);
    expect(row[0]).toBe(config.bos_id);
    expect(row.at(-1)).toBe(config.eos_id);
    expect(row.slice(1, -1).every((id) => id === vocab.left || id === vocab.right)).toBe(true);
  });

  it("an empty prompt is BOS, EOS and padding", () => {
    const row = ids("");
    expect(row.slice(0, 2)).toEqual([config.bos_id, config.eos_id]);
    expect(row.slice(2).every((id) => id === config.pad_id)).toBe(true);
  });
});

describe("a tokenizer whose own post-processor adds the start and end tokens (CLIP-style)", () => {
  it("keeps the tokenizer's end token last when truncating", async () => {
    const words = ["[PAD]", "[UNK]", "<s>", "</s>", "left", "right"];
    const json = {
      version: "1.0",
      truncation: null,
      padding: null,
      added_tokens: [0, 2, 3].map((id) => ({
        id,
        content: words[id],
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      })),
      normalizer: { type: "Lowercase" },
      pre_tokenizer: { type: "Whitespace" },
      post_processor: {
        type: "TemplateProcessing",
        single: [
          { SpecialToken: { id: "<s>", type_id: 0 } },
          { Sequence: { id: "A", type_id: 0 } },
          { SpecialToken: { id: "</s>", type_id: 0 } },
        ],
        pair: [],
        special_tokens: {
          "<s>": { id: "<s>", ids: [2], tokens: ["<s>"] },
          "</s>": { id: "</s>", ids: [3], tokens: ["</s>"] },
        },
      },
      decoder: null,
      model: {
        type: "WordLevel",
        unk_token: "[UNK]",
        vocab: Object.fromEntries(words.map((w, i) => [w, i])),
      },
    };
    const file = path.join(tempDir(), "tokenizer.json");
    await import("node:fs/promises").then((fs) => fs.writeFile(file, JSON.stringify(json)));
    const clip = await loadTokenizer(file, { file, max_length: 8, pad_id: 0, bos_id: null, eos_id: null });
    const short = [...clip.encode("left right")].map(Number);
    expect(short).toEqual([2, 4, 5, 3, 0, 0, 0, 0]);
    const long = [...clip.encode("left right ".repeat(10))].map(Number);
    expect(long).toEqual([2, 4, 5, 4, 5, 4, 5, 3]);
  });
});
