import { listModels } from "./src/models";
import { readGgufHeader } from "./src/gguf";
console.log(await listModels("/tmp/scratch/models", { onInvalid: (f, r) => console.log("invalid", f, r) }));
const h = await readGgufHeader("/tmp/scratch/models/Tiny-Test.gguf");
console.log(h.metadata);
