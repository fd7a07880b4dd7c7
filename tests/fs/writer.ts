// The kill test's victim: rewrites one file through ScopedFs forever, alternating two full contents
// (all 'A' bytes, then all 'B'), printing a line after each completed write, until it is killed.
// A third argument "openat2" installs the kernel-confined backend (as an app's host does).
import { ScopedFs } from "../../core/fs.ts";
import { installFsBackend } from "../../host/fs.ts";

const [root, size, backend] = Deno.args;
if (backend === "openat2" && installFsBackend() !== "openat2") throw new Error("no openat2 backend here");
const contents = [0x41, 0x42].map((byte) => new Uint8Array(Number(size)).fill(byte));
const fs = new ScopedFs([{ name: "data", root, write: true }]);
const line = new TextEncoder().encode("\n");

await Deno.stdout.write(line); // ready: the module graph is loaded, the writes start now
for (let i = 1;; i++) {
  await fs.writeFile("blob.bin", contents[i % 2], "data");
  await Deno.stdout.write(line);
}
