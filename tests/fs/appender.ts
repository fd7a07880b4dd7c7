// The growing-file test's other process: appends 64 KiB chunks to a file as fast as it can, printing a
// line once it has started, until it is killed. It stops by itself after 30 s, or once the file passes
// 64 MiB (the test truncates it before each read), so a test that died leaves no endless writer behind.
const [path] = Deno.args;
const chunk = new Uint8Array(64 * 1024).fill(0x61);
using file = await Deno.open(path, { append: true });
await Deno.stdout.write(new TextEncoder().encode("\n"));
const end = Date.now() + 30_000;
while (Date.now() < end && (await file.stat()).size < 64 * 1024 * 1024) await file.write(chunk);
