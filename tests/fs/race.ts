// Measures the symlink-swap race (tests/fs/race_harness.ts) for either backend of the scoped file system:
// how often operations got through, were refused, or escaped the scope.
//   deno run --allow-all tests/fs/race.ts [seconds] [openat2|path]
import { pathBackend } from "../../core/fs/path_backend.ts";
import { beneathBackend } from "../../native/beneath.ts";
import { race } from "./race_harness.ts";

const seconds = Number(Deno.args[0] ?? 3);
const backend = Deno.args[1] === "path" ? pathBackend : beneathBackend;
console.log(JSON.stringify(await race(backend, seconds)));
