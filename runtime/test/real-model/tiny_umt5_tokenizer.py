"""A tiny UMT5/T5 tokenizer built offline, laid out as the Hub's Wan `tokenizer/` folder.

The published UMT5 tokenizer is a SentencePiece Unigram model converted to tokenizer.json: a
Precompiled (nmt_nfkc) normalizer, Metaspace pre-tokenizer, `$A </s>` post-processor, `<pad>` 0,
`</s>` 1, `<unk>` 2 and `<extra_id_N>` tokens last. This trains the same kind of model with
SentencePiece on a small built-in corpus (English and Chinese, as Wan's prompts and its default
negative prompt are) and writes tokenizer.json (with the `tokenizers` library), spiece.model and
tokenizer_config.json (`T5Tokenizer`), which transformers' AutoTokenizer loads.

  python tiny_umt5_tokenizer.py build DIR
  python tiny_umt5_tokenizer.py tokenize DIR MAX_LENGTH < prompts.json   # Wan's prompt_clean + ids + mask
  python tiny_umt5_tokenizer.py runtime-json DIR OUT.json   # the tokenizer.json transformers runs

The runtime must read the tokenizer as transformers runs it: transformers 5's T5Tokenizer replaces
the file's pre-tokenizer with its own (WhitespaceSplit + Metaspace), so an exporter writes
`runtime_tokenizer_json(AutoTokenizer.from_pretrained(dir))`, not the folder's tokenizer.json.
"""

import io
import json
import os
import sys

CORPUS = [
    "a cat walking on the beach at sunset, the camera pans slowly to the left",
    "the quick brown fox jumps over the lazy dog in the park",
    "cinematic lighting, slow motion, high quality, detailed, 4k",
    "a woman with red hair smiles and turns her head; wind blows through the trees",
    "一只猫在海滩上散步，镜头缓慢向左移动",
    "色调艳丽，过曝，静态，细节模糊不清，字幕，风格，作品，画作，画面，静止，整体发灰，最差质量，低质量",
    "JPEG压缩残留，丑陋的，残缺的，多余的手指，画得不好的手部，画得不好的脸部，畸形的，毁容的",
    "Ünïcödé café naïve résumé — “quotes” and 'apostrophes' & ampersands",
    "numbers 0123456789 and punctuation !?.,;:()[]{}<>/\\|@#$%^*+=~`_-",
]


def build(out_dir: str, extra_ids: int = 8):
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as model_pb2
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    buffer = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(CORPUS * 20),
        model_writer=buffer,
        vocab_size=300,
        model_type="unigram",
        character_coverage=1.0,
        pad_id=0,
        eos_id=1,
        unk_id=2,
        bos_id=-1,
        normalization_rule_name="nmt_nfkc",
        hard_vocab_limit=False,
        minloglevel=2,
    )
    proto = model_pb2.ModelProto()
    proto.ParseFromString(buffer.getvalue())
    extras = [f"<extra_id_{i}>" for i in range(extra_ids)]
    vocab = [(p.piece, p.score) for p in proto.pieces] + [(t, 0.0) for t in reversed(extras)]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=2, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(proto.normalizer_spec.precompiled_charsmap), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", 1)]
    )
    tokenizer.add_special_tokens([AddedToken(t, special=True) for t in ["<pad>", "</s>", "<unk>", *extras]])
    os.makedirs(out_dir, exist_ok=True)
    tokenizer.save(os.path.join(out_dir, "tokenizer.json"))
    with open(os.path.join(out_dir, "spiece.model"), "wb") as f:
        f.write(buffer.getvalue())
    config = {
        "tokenizer_class": "T5Tokenizer",
        "eos_token": "</s>",
        "pad_token": "<pad>",
        "unk_token": "<unk>",
        "extra_ids": extra_ids,
        "additional_special_tokens": extras,
        "model_max_length": 512,
    }
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=2)


def runtime_tokenizer_json(tokenizer) -> str:
    """The tokenizer.json of the backend transformers actually runs (what the runtime must read)."""
    return tokenizer.backend_tokenizer.to_str()


def tokenize(folder: str, max_length: int, prompts: list[str]):
    from diffusers.pipelines.wan.pipeline_wan_i2v import prompt_clean
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    cleaned = [prompt_clean(p) for p in prompts]
    # The call diffusers' WanImageToVideoPipeline._get_t5_prompt_embeds makes.
    inputs = tokenizer(
        cleaned,
        padding="max_length",
        max_length=max_length,
        truncation=True,
        add_special_tokens=True,
        return_attention_mask=True,
    )
    return {"cleaned": cleaned, "input_ids": inputs["input_ids"], "attention_mask": inputs["attention_mask"]}


if __name__ == "__main__":
    command, folder = sys.argv[1], sys.argv[2]
    if command == "build":
        build(folder)
    elif command == "tokenize":
        print(json.dumps(tokenize(folder, int(sys.argv[3]), json.load(sys.stdin)), ensure_ascii=True))
    elif command == "runtime-json":
        from transformers import AutoTokenizer

        with open(sys.argv[3], "w") as f:
            f.write(runtime_tokenizer_json(AutoTokenizer.from_pretrained(folder)))
    else:
        sys.exit(f"unknown command {command}: build, tokenize or runtime-json")
