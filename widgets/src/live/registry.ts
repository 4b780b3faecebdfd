/**
 * The ntk-lab widget models that exist in this page, by model id. The output renderer (render/figure-renderer.ts)
 * asks it whether an output's model is here to draw the live view, or gone (a restarted kernel, a notebook
 * re-opened later), in which case it shows the static copy saved in the output. Models register themselves
 * (models/stream-model.ts) when the widget manager creates them and leave when they close, and a renderer
 * that showed a static copy first (the page is still restoring its models) is told when the model arrives.
 * DOM-free: the Node tests run it.
 */

/** What the registry needs of a model. */
export interface RegisteredModel {
  readonly model_id: string;
  /** True while the model's comm to a kernel is open. */
  readonly comm_live: boolean;
  /** True when it holds batches from a kernel (a model whose kernel went away keeps what it received). */
  hasData(): boolean;
  /** Path of the document whose widget manager holds it; undefined where the manager has none (a console). */
  documentPath(): string | undefined;
}

/**
 * Whether `m` can stand for an output of the document at `path`: it is that document's (when both paths are
 * known: a copy of a notebook holds the same model ids as the original), and it has a kernel or data. A
 * model the widget manager restored from widget state saved in the notebook has neither comm nor data (the
 * data never goes into widget state): its live view would be an empty plot, so the static copy is shown.
 */
export function canShowLive(m: RegisteredModel, path: string | undefined): boolean {
  const own = m.documentPath();
  if (own !== undefined && path !== undefined && own !== path) return false;
  return m.comm_live || m.hasData();
}

/** Models by id, and who waits for which id. */
export class ModelRegistry<M extends RegisteredModel> {
  private readonly models = new Map<string, Set<M>>();
  private readonly watchers = new Map<string, Set<(m: M) => void>>();

  /** Adds a model (several may share an id: the same notebook open in two managers) and tells the watchers of its id. */
  add(m: M): void {
    let set = this.models.get(m.model_id);
    if (!set) this.models.set(m.model_id, (set = new Set()));
    set.add(m);
    for (const w of [...(this.watchers.get(m.model_id) ?? [])]) w(m);
  }

  /** Removes a model (closed). */
  remove(m: M): void {
    const set = this.models.get(m.model_id);
    if (!set) return;
    set.delete(m);
    if (set.size === 0) this.models.delete(m.model_id);
  }

  /** The model to draw the output `id` of the document at `path` with, if any (see canShowLive). */
  find(id: string, path: string | undefined): M | undefined {
    for (const m of this.models.get(id) ?? []) if (canShowLive(m, path)) return m;
    return undefined;
  }

  /** Calls `callback` with each model of `id` added from now on; returns the function that stops it. */
  watch(id: string, callback: (m: M) => void): () => void {
    let set = this.watchers.get(id);
    if (!set) this.watchers.set(id, (set = new Set()));
    set.add(callback);
    return () => {
      const s = this.watchers.get(id);
      s?.delete(callback);
      if (s && s.size === 0) this.watchers.delete(id);
    };
  }

  /** Models held and ids watched (for tests and leak checks). */
  get size(): { models: number; watched: number } {
    let models = 0;
    for (const s of this.models.values()) models += s.size;
    return { models, watched: this.watchers.size };
  }
}
