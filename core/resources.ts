// Tauri's resource table, one per window: what a command hands the page by id (an open file, a watcher, a
// store) stays in the core, and the page's `Resource.close()` (@tauri-apps/api's
// "plugin:resources|close") ends it. Ids are random, not counted: one page script cannot guess, and so
// use or close, a resource it was not given.

/** Something the table holds: closed when the page closes it or the window goes away. */
export interface Resource {
  close(): unknown;
}

/** At most this many resources per window; more are refused (each may hold a file descriptor). */
export const MAX_RESOURCES = 256;

export class Resources {
  readonly #table = new Map<number, Resource>();

  add(resource: Resource): number {
    if (this.#table.size >= MAX_RESOURCES) {
      resource.close();
      throw new Error(`too many open resources (limit ${MAX_RESOURCES}); close some first`);
    }
    let rid: number;
    do rid = crypto.getRandomValues(new Uint32Array(1))[0] + 1; while (this.#table.has(rid));
    this.#table.set(rid, resource);
    return rid;
  }

  /** The resource `rid` names, if it is of the kind `is` accepts; throws Tauri's message otherwise. */
  get<T extends Resource>(rid: unknown, is: (resource: Resource) => resource is T): T {
    const resource = typeof rid === "number" ? this.#table.get(rid) : undefined;
    if (!resource || !is(resource)) throw new Error(`resource id ${ridText(rid)} is invalid`);
    return resource;
  }

  async close(rid: unknown): Promise<void> {
    const resource = typeof rid === "number" ? this.#table.get(rid) : undefined;
    if (!resource) throw new Error(`resource id ${ridText(rid)} is invalid`);
    this.#table.delete(rid as number);
    await resource.close();
  }

  /** Closes everything (the window is gone). */
  closeAll(): void {
    for (const resource of this.#table.values()) {
      try {
        resource.close();
      } catch {
        // already closed
      }
    }
    this.#table.clear();
  }
}

const ridText = (rid: unknown) => typeof rid === "number" ? String(rid) : JSON.stringify(String(rid));
