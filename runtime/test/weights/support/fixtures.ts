import { createHash } from "node:crypto";

/** A file in a fake repository, with the ids the Hub would report for it. */
export interface FakeFile {
  path: string;
  content: Buffer;
  /** Stored with Git LFS: served through a redirect to the CDN, identified by sha256. */
  lfs: boolean;
  sha256: string;
  /** Git blob id of what git stores: the bytes themselves, or the LFS pointer text. */
  gitOid: string;
}

export interface FakeRepo {
  id: string;
  commit: string;
  /** Branches and tags to commits; `main` points at `commit` unless given. */
  refs: Record<string, string>;
  files: FakeFile[];
  /** Needs `Authorization: Bearer <token>`. */
  gatedToken?: string;
}

const gitOid = (bytes: Buffer) =>
  createHash("sha1")
    .update(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes]))
    .digest("hex");

/** Deterministic bytes that do not compress: a sha256 chain from a seed. */
export function pseudoRandomBytes(size: number, seed: string): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash("sha256").update(seed).digest();
  for (let at = 0; at < size; at += block.length) {
    block.copy(out, at, 0, Math.min(block.length, size - at));
    block = createHash("sha256").update(block).digest();
  }
  return out;
}

/** Builds a fake file the way git and LFS would describe it. */
export function makeFile(filePath: string, content: Buffer | string, lfs: boolean): FakeFile {
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const pointer = Buffer.from(
    `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${bytes.length}\n`,
  );
  return { path: filePath, content: bytes, lfs, sha256, gitOid: gitOid(lfs ? pointer : bytes) };
}

/** A small I2V-like repository: two LFS weight files, a nested one, and small JSON files. */
export function demoRepo(id = "acme/tiny-i2v", seed = "v1"): FakeRepo {
  const commit = createHash("sha1").update(`${id}:${seed}`).digest("hex");
  return {
    id,
    commit,
    refs: { main: commit },
    files: [
      makeFile("model_index.json", `{"_class_name":"I2VGenXLPipeline","seed":"${seed}"}\n`, false),
      makeFile("unet/config.json", `{"in_channels":4,"seed":"${seed}"}\n`, false),
      makeFile("unet/model.onnx", pseudoRandomBytes(3 * 1024 * 1024 + 123, `${seed}-unet`), true),
      makeFile("vae/model.onnx", pseudoRandomBytes(1024 * 1024 + 7, `${seed}-vae`), true),
      makeFile("README.md", `# tiny i2v ${seed}\n`, false),
    ],
  };
}

/**
 * A repository laid out as the published Wan diffusers folders (Wan-AI/Wan2.1-I2V-14B-480P-Diffusers
 * and the others, same layout on the Hub and ModelScope): model_index.json, sharded safetensors
 * with their index files, tokenizer and image processor folders. Sizes are small; the layout and
 * the sharding are what a fetch must get right.
 */
export function wanDiffusersRepo(id = "Wan-AI/Wan2.1-I2V-14B-480P-Diffusers", seed = "wan"): FakeRepo {
  const commit = createHash("sha1").update(`${id}:${seed}`).digest("hex");
  const shards = (folder: string, name: string, count: number, size: number) => [
    makeFile(`${folder}/${name}.safetensors.index.json`, `{"weight_map":{},"shards":${count}}\n`, false),
    ...Array.from({ length: count }, (_, i) =>
      makeFile(
        `${folder}/${name}-0000${i + 1}-of-0000${count}.safetensors`,
        pseudoRandomBytes(size + i, `${seed}-${folder}-${i}`),
        true,
      ),
    ),
  ];
  return {
    id,
    commit,
    refs: { main: commit, "v1.0": commit },
    files: [
      makeFile("model_index.json", `{"_class_name":"WanImageToVideoPipeline","seed":"${seed}"}\n`, false),
      makeFile(
        "scheduler/scheduler_config.json",
        '{"_class_name":"UniPCMultistepScheduler","flow_shift":3.0}\n',
        false,
      ),
      makeFile("text_encoder/config.json", '{"architectures":["UMT5EncoderModel"]}\n', false),
      ...shards("text_encoder", "model", 2, 300_000),
      makeFile("tokenizer/tokenizer.json", `{"model":{"type":"Unigram"},"seed":"${seed}"}\n`, false),
      makeFile("tokenizer/spiece.model", pseudoRandomBytes(40_000, `${seed}-spiece`), true),
      makeFile("image_encoder/config.json", '{"architectures":["CLIPVisionModel"]}\n', false),
      makeFile("image_encoder/model.safetensors", pseudoRandomBytes(200_000, `${seed}-clip`), true),
      makeFile(
        "image_processor/preprocessor_config.json",
        '{"image_processor_type":"CLIPImageProcessor"}\n',
        false,
      ),
      makeFile("transformer/config.json", '{"_class_name":"WanTransformer3DModel"}\n', false),
      ...shards("transformer", "diffusion_pytorch_model", 3, 1_200_000),
      makeFile("vae/config.json", '{"_class_name":"AutoencoderKLWan"}\n', false),
      makeFile("vae/diffusion_pytorch_model.safetensors", pseudoRandomBytes(250_000, `${seed}-vae`), true),
    ],
  };
}
