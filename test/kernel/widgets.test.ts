/** Widget protocol 2.1.0 on the kernel side: open with state and buffer paths, update/echo_update, request_state, custom, the control comm. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../src/kernel/json';
import { setKernelRuntime } from '../../src/kernel/runtime';
import { WidgetModel } from '../../src/kernel/widgets/model';
import { WidgetRegistry } from '../../src/kernel/widgets/registry';
import { fakeKernel, FakeKernel } from './fake-kernel';

function setup(): { k: FakeKernel; widgets: WidgetRegistry; model: WidgetModel } {
  const k = fakeKernel();
  const widgets = new WidgetRegistry(k.comms, k.log);
  const model = widgets.open({ modelName: 'M', modelModule: 'mod', modelModuleVersion: '^1.0.0', viewName: 'V', state: { n: 1, values: new Float32Array([1, 2]), parts: [new Uint8Array([7]), 'x'] } });
  return { k, widgets, model };
}

test('open: comm_open on jupyter.widget with version 2.1.0, the full state, buffer paths and raw buffers', () => {
  const { k, model } = setup();
  const [open] = k.published;
  assert.equal(open.type, 'comm_open');
  assert.equal(open.content.target_name, 'jupyter.widget');
  assert.equal(open.content.comm_id, model.id);
  assert.deepEqual(open.metadata, { version: '2.1.0' });
  assert.deepEqual(open.content.data, {
    state: { _model_name: 'M', _model_module: 'mod', _model_module_version: '^1.0.0', _view_name: 'V', _view_module: 'mod', _view_module_version: '^1.0.0', n: 1, parts: [null, 'x'] },
    buffer_paths: [['values'], ['parts', 0]],
  });
  assert.deepEqual([...open.buffers[0]], [...Buffer.from(new Float32Array([1, 2]).buffer)]);
  assert.deepEqual([...open.buffers[1]], [7]);
  assert.ok(model.live);
});

test('a front-end update is applied, echoed to every front end (echo_update), and reported to onChange', () => {
  const { k, model } = setup();
  const changes: string[][] = [];
  model.onChange((p) => void changes.push(Object.keys(p)));
  const update = k.frontEnd('comm_msg', { comm_id: model.id, data: { method: 'update', state: { n: 5 }, buffer_paths: [['blob']] } }, [Buffer.from('xyz')]);
  k.comms.handle(update);
  const echo = k.published.at(-1);
  assert.deepEqual(echo?.content.data, { method: 'echo_update', state: { n: 5 }, buffer_paths: [['blob']] });
  assert.equal(echo?.buffers[0], update.buffers[0]);
  assert.equal(echo?.parent?.msg_id, update.header.msg_id);
  assert.equal(model.get('n'), 5);
  assert.equal(Buffer.from(model.get('blob') as Uint8Array).toString(), 'xyz');
  assert.deepEqual(changes, [['n', 'blob']]);
});

test('request_state answers with an update of the whole state; set() sends only the changed keys', () => {
  const { k, model } = setup();
  k.comms.handle(k.frontEnd('comm_msg', { comm_id: model.id, data: { method: 'request_state' } }));
  const full = k.published.at(-1)?.content.data as JsonObject;
  assert.equal(full.method, 'update');
  assert.deepEqual(full.buffer_paths, [['values'], ['parts', 0]]);
  assert.equal((full.state as JsonObject).n, 1);
  model.set({ n: 2, more: new Uint8Array([1]) });
  assert.deepEqual(k.published.at(-1)?.content.data, { method: 'update', state: { n: 2 }, buffer_paths: [['more']] });
});

test('custom messages both ways, with buffers; unknown methods are logged', async () => {
  const { k, model } = setup();
  model.onCustom((content, buffers) => model.send({ got: content, n: buffers.length }, buffers));
  k.comms.handle(k.frontEnd('comm_msg', { comm_id: model.id, data: { method: 'custom', content: { ping: 1 } } }, [Buffer.from([0, 1])]));
  const reply = k.published.at(-1);
  assert.deepEqual(reply?.content.data, { method: 'custom', content: { got: { ping: 1 }, n: 1 } });
  assert.deepEqual([...(reply?.buffers[0] ?? [])], [0, 1]);
  k.comms.handle(k.frontEnd('comm_msg', { comm_id: model.id, data: { method: 'frobnicate' } }));
  assert.match(k.logs.at(-1) ?? '', /unknown widget message method "frobnicate"/);
});

test('control comm: request_states (in a message or in the open) gets update_states with every model and buffer paths under state', () => {
  const { k, widgets, model } = setup();
  const other = widgets.open({ modelName: 'N', modelModule: 'mod', modelModuleVersion: '1.0.0' });
  k.comms.handle(k.frontEnd('comm_open', { comm_id: 'ctl', target_name: 'jupyter.widget.control', data: {} }, [], { version: '1.0.0' }));
  assert.equal(k.published.at(-1)?.type, 'comm_open', 'nothing sent before the request');
  k.comms.handle(k.frontEnd('comm_msg', { comm_id: 'ctl', data: { method: 'request_states' } }));
  const answer = k.published.at(-1);
  const data = answer?.content.data as JsonObject;
  assert.equal(data.method, 'update_states');
  const states = data.states as JsonObject;
  assert.deepEqual(Object.keys(states).sort(), [model.id, other.id].sort());
  assert.deepEqual({ ...(states[model.id] as JsonObject), state: undefined }, { model_name: 'M', model_module: 'mod', model_module_version: '^1.0.0', state: undefined });
  assert.deepEqual(data.buffer_paths, [
    [model.id, 'state', 'values'],
    [model.id, 'state', 'parts', 0],
  ]);
  assert.equal(answer?.buffers.length, 2);
  k.comms.handle(k.frontEnd('comm_open', { comm_id: 'ctl2', target_name: 'jupyter.widget.control', data: { method: 'request_states' } }));
  assert.equal((k.published.at(-1)?.content.data as JsonObject).method, 'update_states');
  // A closed model leaves the registry.
  other.close();
  assert.deepEqual(widgets.all().map((m) => m.id), [model.id]);
});

test('a model the front end opens is registered and announced', () => {
  const k = fakeKernel();
  const widgets = new WidgetRegistry(k.comms, k.log);
  const opened: WidgetModel[] = [];
  widgets.onOpened((m) => void opened.push(m));
  k.comms.handle(k.frontEnd('comm_open', { comm_id: 'fm', target_name: 'jupyter.widget', data: { state: { _model_name: 'F', v: null }, buffer_paths: [['v']] } }, [Buffer.from('b')], { version: '2.1.0' }));
  assert.equal(opened[0].id, 'fm');
  assert.equal(Buffer.from(opened[0].get('v') as Uint8Array).toString(), 'b');
  assert.equal(widgets.get('fm'), opened[0]);
});

test('display() of a live model publishes the widget view mime with the model id, beside the fallback', () => {
  const { model } = setup();
  const shown: JsonObject[] = [];
  setKernelRuntime({ display: (c: JsonObject) => void shown.push(c) } as never);
  try {
    const handle = model.display();
    const data = shown[0].data as JsonObject;
    assert.deepEqual(data['application/vnd.jupyter.widget-view+json'], { version_major: 2, version_minor: 0, model_id: model.id });
    assert.equal(data['text/plain'], `M(id=${model.id})`);
    assert.equal((shown[0].transient as JsonObject).display_id, handle.displayId);
  } finally {
    setKernelRuntime(undefined);
  }
});
