/**
 * The kernel side of issue 16 item 9 and of the sweep widgets' titles: a live widget's display bundle carries
 * ntk-lab's marker beside the widget view (so the ntk-lab-widgets renderer can show the static copy once the
 * model is gone), outside the kernel it carries neither; showRisk without a title gets a descriptive one; a
 * recomputed risk figure states its lambda in the saved static figure.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PLOTLY_MIME, RiskWidget, SpectrumWidget } from '../../src/display';
import { asFigureMarker, FIGURE_MIME } from '../../src/figures/output';
import type { JsonObject } from '../../src/kernel/json';
import { setKernelRuntime } from '../../src/kernel/runtime';
import { WidgetRegistry } from '../../src/kernel/widgets/registry';
import { WIDGET_VIEW_MIME } from '../../src/kernel/widgets/protocol';
import { fakeKernel } from '../kernel/fake-kernel';
import { spectrumBytes } from './helpers';

describe('display bundle marker', () => {
  it('a live widget shows the widget view and the marker naming the same model, in the first output and its updates', () => {
    const k = fakeKernel();
    const shown: { content: JsonObject; update: boolean }[] = [];
    setKernelRuntime({ comms: k.comms, widgets: new WidgetRegistry(k.comms, k.log), display: (content: JsonObject, update: boolean) => void shown.push({ content, update }), signal: () => undefined } as never);
    try {
      const w = new SpectrumWidget({ title: 'live' }).display();
      w.sendIpc('spectrum', spectrumBytes([3, 2, 1]), 3);
      w.finish();
      assert.equal(shown.length, 2);
      for (const s of shown) {
        const data = s.content.data as JsonObject;
        const view = data[WIDGET_VIEW_MIME] as JsonObject;
        assert.equal(view.model_id, w.model.id);
        assert.deepEqual(asFigureMarker(data[FIGURE_MIME]), { model_id: w.model.id, model_name: 'SpectrumModel', version: 1 });
      }
      const final = shown[1].content.data as JsonObject;
      assert.equal(shown[1].update, true);
      assert.match(String(final['image/svg+xml']), /^<svg /, 'the static copy the marker points the renderer to');
    } finally {
      setKernelRuntime(undefined);
    }
  });

  it('outside the kernel there is no model, so neither the widget view nor the marker', () => {
    const b = new SpectrumWidget().bundle();
    assert.equal(b[WIDGET_VIEW_MIME], undefined);
    assert.equal(b[FIGURE_MIME], undefined);
  });
});

describe('sweep widget titles and parameters', () => {
  it('showRisk without a title is titled after what it plots and the experiment; a given title wins', () => {
    const w = new RiskWidget({ n: 64, d: 16 });
    assert.equal(w.model.state.title, 'Ridge risk after one gradient step (n = 64, d = 16, tanh student, erf teacher)');
    assert.equal(new RiskWidget({ title: 'mine' }).model.state.title, 'mine');
    assert.equal(new RiskWidget({ title: '' }).model.state.title, '', 'an explicit empty title stays empty');
  });

  it('the static figure of a recomputed risk sweep states the new lambda', async () => {
    const w = new RiskWidget({ n: 64, d: 16, width: 32, etaMax: 1, etaPoints: 2, seeds: 1 });
    await w.run();
    const before = w.bundle();
    assert.match(String(before['image/svg+xml']), /computed with λ = 0\.001, N = 32, 1 seed \(n = 64, d = 16\)/);
    await w.update({ lambda: 0.1 });
    const after = w.bundle();
    assert.match(String(after['image/svg+xml']), /computed with λ = 0\.1, N = 32, 1 seed/);
    const fig = after[PLOTLY_MIME] as { layout: { title: { text: string; subtitle?: { text: string } } } };
    assert.match(fig.layout.title.text, /^Ridge risk after one gradient step/);
    assert.equal(fig.layout.title.subtitle?.text, 'computed with λ = 0.1, N = 32, 1 seed (n = 64, d = 16)');
  });
});
