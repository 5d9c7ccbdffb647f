import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, ggufValueType as T } from "../src/gguf";

/**
 * Writes a tiny llama-architecture GGUF v3 model with seeded random weights (~1 MB). It loads in
 * node-llama-cpp and generates (nonsense) text, which is all tests and smoke checks need on machines
 * that cannot download a real model.
 *
 *   tsx gpu-runner/scripts/make-tiny-gguf.ts <out.gguf> [--seed N]
 */

export type TinyGgufOptions = {
  seed?: number;
  /** Metadata keys to leave out, e.g. "llama.feed_forward_length" to get a model that aborts llama.cpp. */
  omitKeys?: string[];
  contextLength?: number;
};

const dims = { embd: 64, layers: 4, heads: 4, headsKv: 2, ff: 192 };
const headDim = dims.embd / dims.heads;
/** Residual dimension 0 carries a constant so "never emit" rows in output.weight give a reliably negative logit. */
const BIAS_VALUE = 3;

/** GPT-2's byte-level alphabet: printable bytes map to themselves, the rest to code points from 256 up. */
function byteAlphabet(): string[] {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const out: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) out.push(String.fromCodePoint(printable(b) ? b : 256 + extra++));
  return out;
}

/** Common English pairs as "left|right"; each merge refers only to tokens already in the vocabulary. */
const mergePairs = [" |t", "h|e", " t|he", "i|n", "in|g", " |a", "e|r", "o|n", " |s", "r|e", "a|t", "e|n", "o|r", "a|n", " |o", " |w"]
  .concat(["e|s", "i|s", "i|t", " a|n", " an|d"])
  .map((pair) => pair.split("|") as [string, string]);
const specialTokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];
const chatTemplate =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

function vocabulary() {
  const alphabet = byteAlphabet();
  const encode = (text: string) => [...Buffer.from(text, "utf8")].map((b) => alphabet[b]).join("");
  const tokens = [...alphabet];
  const merges: string[] = [];
  for (const [left, right] of mergePairs) {
    merges.push(`${encode(left)} ${encode(right)}`);
    tokens.push(encode(left + right));
  }
  const firstSpecial = tokens.length;
  tokens.push(...specialTokens);
  const types = tokens.map((_, i) => (i >= firstSpecial ? 3 : 1)); // 1 normal, 3 control
  return { tokens, merges, types, eos: firstSpecial, imEnd: firstSpecial + 2, specials: specialTokens.map((_, i) => firstSpecial + i) };
}

/** mulberry32: small, seedable, good enough for weights nobody reads. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Encoder {
  readonly parts: Buffer[] = [];
  private fixed(size: number, write: (b: Buffer) => void) {
    const b = Buffer.alloc(size);
    write(b);
    this.parts.push(b);
  }
  u32 = (v: number) => this.fixed(4, (b) => b.writeUInt32LE(v));
  i32 = (v: number) => this.fixed(4, (b) => b.writeInt32LE(v));
  u64 = (v: number) => this.fixed(8, (b) => b.writeBigUInt64LE(BigInt(v)));
  f32 = (v: number) => this.fixed(4, (b) => b.writeFloatLE(v));
  str = (s: string) => {
    const b = Buffer.from(s, "utf8");
    this.u64(b.length);
    this.parts.push(b);
  };
  get length() {
    return this.parts.reduce((n, p) => n + p.length, 0);
  }
}

type Value = { type: number; value: number | string | boolean } | { type: typeof T.array; of: number; values: (number | string)[] };

function writeValue(enc: Encoder, v: Value) {
  enc.u32(v.type);
  if (v.type === T.array && "values" in v) {
    enc.u32(v.of);
    enc.u64(v.values.length);
    for (const item of v.values) writeScalar(enc, v.of, item);
  } else if ("value" in v) writeScalar(enc, v.type, v.value);
}

function writeScalar(enc: Encoder, type: number, value: number | string | boolean) {
  if (type === T.string) enc.str(String(value));
  else if (type === T.uint32) enc.u32(Number(value));
  else if (type === T.int32) enc.i32(Number(value));
  else if (type === T.float32) enc.f32(Number(value));
  else if (type === T.bool) enc.parts.push(Buffer.from([value ? 1 : 0]));
  else throw new Error(`writer does not support GGUF type ${type}`);
}

type Tensor = { name: string; shape: number[]; data: Float32Array };

function tensors(seed: number, vocab: ReturnType<typeof vocabulary>): Tensor[] {
  const next = random(seed);
  // shape is innermost first: [inputs, outputs]; row r of a matrix is data[r*inputs .. (r+1)*inputs).
  const matrix = (name: string, inputs: number, outputs: number, zeroRows: number[] = []): Tensor => {
    const data = new Float32Array(inputs * outputs);
    const scale = 1 / Math.sqrt(inputs);
    for (let i = 0; i < data.length; i++) data[i] = (next() * 2 - 1) * scale * 1.7;
    for (const r of zeroRows) data.fill(0, r * inputs, (r + 1) * inputs);
    return { name, shape: [inputs, outputs], data };
  };
  const ones = (name: string, n: number): Tensor => ({ name, shape: [n], data: new Float32Array(n).fill(1) });

  const embd = matrix("token_embd.weight", dims.embd, vocab.tokens.length);
  for (let t = 0; t < vocab.tokens.length; t++) embd.data[t * dims.embd] = BIAS_VALUE;
  const output = matrix("output.weight", dims.embd, vocab.tokens.length);
  for (let t = 0; t < vocab.tokens.length; t++) output.data[t * dims.embd] = 0;
  // Control tokens (EOS, <|im_end|>) get a large negative weight on the constant dimension: random
  // weights would otherwise pick them early and every generation would stop after a token or two.
  for (const t of vocab.specials) {
    output.data.fill(0, t * dims.embd, (t + 1) * dims.embd);
    output.data[t * dims.embd] = -100;
  }

  const list = [embd, ones("output_norm.weight", dims.embd), output];
  const kv = headDim * dims.headsKv;
  for (let l = 0; l < dims.layers; l++) {
    const p = `blk.${l}.`;
    // Writers into the residual stream leave dimension 0 alone so it stays at BIAS_VALUE.
    list.push(
      ones(`${p}attn_norm.weight`, dims.embd),
      matrix(`${p}attn_q.weight`, dims.embd, dims.embd),
      matrix(`${p}attn_k.weight`, dims.embd, kv),
      matrix(`${p}attn_v.weight`, dims.embd, kv),
      matrix(`${p}attn_output.weight`, dims.embd, dims.embd, [0]),
      ones(`${p}ffn_norm.weight`, dims.embd),
      matrix(`${p}ffn_gate.weight`, dims.embd, dims.ff),
      matrix(`${p}ffn_up.weight`, dims.embd, dims.ff),
      matrix(`${p}ffn_down.weight`, dims.ff, dims.embd, [0]),
    );
  }
  return list;
}

function metadata(vocab: ReturnType<typeof vocabulary>, contextLength: number): [string, Value][] {
  const u32 = (value: number): Value => ({ type: T.uint32, value });
  return [
    ["general.architecture", { type: T.string, value: "llama" }],
    ["general.name", { type: T.string, value: "jace-tiny" }],
    ["general.file_type", u32(0)], // ALL_F32
    ["general.alignment", u32(GGUF_DEFAULT_ALIGNMENT)],
    ["llama.context_length", u32(contextLength)],
    ["llama.embedding_length", u32(dims.embd)],
    ["llama.block_count", u32(dims.layers)],
    ["llama.feed_forward_length", u32(dims.ff)],
    ["llama.attention.head_count", u32(dims.heads)],
    ["llama.attention.head_count_kv", u32(dims.headsKv)],
    ["llama.attention.layer_norm_rms_epsilon", { type: T.float32, value: 1e-5 }],
    ["llama.rope.dimension_count", u32(headDim)],
    ["llama.vocab_size", u32(vocab.tokens.length)],
    ["tokenizer.ggml.model", { type: T.string, value: "gpt2" }],
    ["tokenizer.ggml.pre", { type: T.string, value: "gpt-2" }],
    ["tokenizer.ggml.tokens", { type: T.array, of: T.string, values: vocab.tokens }],
    ["tokenizer.ggml.token_type", { type: T.array, of: T.int32, values: vocab.types }],
    ["tokenizer.ggml.merges", { type: T.array, of: T.string, values: vocab.merges }],
    ["tokenizer.ggml.bos_token_id", u32(vocab.eos)],
    ["tokenizer.ggml.eos_token_id", u32(vocab.eos)],
    ["tokenizer.ggml.eot_token_id", u32(vocab.imEnd)],
    ["tokenizer.ggml.add_bos_token", { type: T.bool, value: false }],
    ["tokenizer.chat_template", { type: T.string, value: chatTemplate }],
  ];
}

const align = (n: number) => Math.ceil(n / GGUF_DEFAULT_ALIGNMENT) * GGUF_DEFAULT_ALIGNMENT;

/** Builds the model in memory (about 1 MB) and writes it to `path`. */
export async function writeTinyGguf(path: string, opts: TinyGgufOptions = {}): Promise<{ path: string; sizeBytes: number }> {
  const vocab = vocabulary();
  const kvs = metadata(vocab, opts.contextLength ?? 2048).filter(([key]) => !opts.omitKeys?.includes(key));
  const list = tensors(opts.seed ?? 1, vocab);

  const enc = new Encoder();
  enc.u32(GGUF_MAGIC);
  enc.u32(3);
  enc.u64(list.length);
  enc.u64(kvs.length);
  for (const [key, value] of kvs) {
    enc.str(key);
    writeValue(enc, value);
  }
  let offset = 0;
  for (const t of list) {
    enc.str(t.name);
    enc.u32(t.shape.length);
    for (const d of t.shape) enc.u64(d);
    enc.u32(0); // GGML_TYPE_F32
    enc.u64(offset);
    offset = align(offset + t.data.byteLength);
  }
  enc.parts.push(Buffer.alloc(align(enc.length) - enc.length));
  for (const t of list) {
    const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    enc.parts.push(bytes, Buffer.alloc(align(bytes.length) - bytes.length));
  }
  const file = Buffer.concat(enc.parts);
  await writeFile(path, file);
  return { path, sizeBytes: file.length };
}

async function main(argv: string[]) {
  const out = argv.find((a, i) => !a.startsWith("--") && argv[i - 1] !== "--seed");
  const seedIndex = argv.indexOf("--seed");
  const seed = seedIndex >= 0 ? Number(argv[seedIndex + 1]) : 1;
  if (!out || !Number.isInteger(seed)) {
    process.stderr.write("usage: tsx gpu-runner/scripts/make-tiny-gguf.ts <out.gguf> [--seed N]\n");
    process.exit(2);
  }
  const { path, sizeBytes } = await writeTinyGguf(resolve(out), { seed });
  process.stdout.write(`wrote ${path} (${sizeBytes} bytes, seed ${seed})\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main(process.argv.slice(2));
}
