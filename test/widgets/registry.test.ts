/** The page's registry of ntk-lab models: which output gets the live view and which the static copy. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canShowLive, ModelRegistry, RegisteredModel } from '../../widgets/src/live/registry';

function model(id: string, o: { live?: boolean; data?: boolean; path?: string } = {}): RegisteredModel {
  return { model_id: id, comm_live: o.live ?? true, hasData: () => o.data ?? false, documentPath: () => o.path };
}

describe('ModelRegistry', () => {
  it('finds a live model of the same document; a copy of the notebook elsewhere is not it', () => {
    const r = new ModelRegistry<RegisteredModel>();
    const a = model('m1', { path: 'work/a.ipynb' });
    r.add(a);
    assert.equal(r.find('m1', 'work/a.ipynb'), a);
    assert.equal(r.find('m1', 'work/copy-of-a.ipynb'), undefined);
    assert.equal(r.find('m1', undefined), a, 'an output whose document is unknown takes it');
    assert.equal(r.find('m2', 'work/a.ipynb'), undefined);
    r.remove(a);
    assert.equal(r.find('m1', 'work/a.ipynb'), undefined, 'a closed model is gone');
    assert.deepEqual(r.size, { models: 0, watched: 0 });
  });

  it('a model restored from saved widget state (no comm, no data) does not count; one whose kernel restarted keeps its data and does', () => {
    assert.equal(canShowLive(model('m', { live: false, data: false }), undefined), false);
    assert.equal(canShowLive(model('m', { live: false, data: true }), undefined), true);
    assert.equal(canShowLive(model('m', { live: true, path: undefined }), 'x.ipynb'), true, 'a console manager has no document');
    const r = new ModelRegistry<RegisteredModel>();
    const restored = model('m', { live: false, path: 'a.ipynb' });
    const fromKernel = model('m', { live: true, path: 'a.ipynb' });
    r.add(restored);
    assert.equal(r.find('m', 'a.ipynb'), undefined);
    r.add(fromKernel);
    assert.equal(r.find('m', 'a.ipynb'), fromKernel);
  });

  it('tells watchers of an id when its model arrives, until they stop watching', () => {
    const r = new ModelRegistry<RegisteredModel>();
    const seen: string[] = [];
    const stop = r.watch('m1', (m) => void seen.push(m.documentPath() ?? '?'));
    r.add(model('m2', { path: 'other' }));
    r.add(model('m1', { path: 'first' }));
    stop();
    r.add(model('m1', { path: 'second' }));
    assert.deepEqual(seen, ['first']);
    assert.deepEqual(r.size, { models: 3, watched: 0 });
  });
});
