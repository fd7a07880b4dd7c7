// The kill test's victim: rewrites one file through ScopedFs forever, alternating two full contents
// (all 'A' bytes, then all 'B'), printing a line after each completed write, until it is killed.
import { ScopedFs } from "../../core/fs.ts";

const [root, size] = Deno.args;
const contents = [0x41, 0x42].map((byte) => new Uint8Array(Number(size)).fill(byte));
const fs = new ScopedFs([{ name: "data", root, write: true }]);
const line = new TextEncoder().encode("\n");

await Deno.stdout.write(line); // ready: the module graph is loaded, the writes start now
for (let i = 1;; i++) {
  await fs.writeFile("blob.bin", contents[i % 2], "data");
  await Deno.stdout.write(line);
}
