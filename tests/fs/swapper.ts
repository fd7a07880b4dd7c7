// The race tests' attacker, a process of its own: swaps a folder inside the scope for a symlink to a folder
// outside and back, as fast as it can, until the deadline (ms since the epoch); prints "ready" when it
// starts and the number of swaps when it stops, always leaving the real folder in place.
//   deno run --allow-read --allow-write tests/fs/swapper.ts <folder> <aside> <link> <until>
const [folder, aside, link, until] = Deno.args;
const deadline = Number(until);
const out = (text: string) => Deno.stdout.writeSync(new TextEncoder().encode(text + "\n"));
out("ready");
let swaps = 0;
while (Date.now() < deadline) {
  for (let i = 0; i < 64; i++) {
    Deno.renameSync(folder, aside);
    Deno.renameSync(link, folder); // now the symlink is at the folder's name
    Deno.renameSync(folder, link);
    Deno.renameSync(aside, folder); // and the real folder is back
    swaps += 2;
  }
}
out(String(swaps));
