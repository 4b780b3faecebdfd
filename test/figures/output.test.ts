/** The display-bundle marker of ntk-lab's outputs, and the static copy a renderer shows once the model is gone. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asFigureMarker, FIGURE_MIME, figureMarker, STATIC_NOTE, staticCopyOf } from '../../src/figures/output';

describe('figure marker', () => {
  it('round-trips and refuses what is not one', () => {
    const m = figureMarker('abc123', 'RiskModel');
    assert.deepEqual(asFigureMarker(JSON.parse(JSON.stringify(m))), { model_id: 'abc123', model_name: 'RiskModel', version: 1 });
    for (const bad of [undefined, null, 'abc', [], {}, { model_id: '' , version: 1 }, { model_id: 'x', version: 2 }, { model_id: 7, version: 1 }]) {
      assert.equal(asFigureMarker(bad), undefined, JSON.stringify(bad));
    }
    assert.match(FIGURE_MIME, /^application\/vnd\.ntk-lab\.[a-z-]+\+json$/);
    assert.match(STATIC_NOTE, /static copy/);
    assert.match(STATIC_NOTE, /re-run the cell/);
  });
});

describe('staticCopyOf', () => {
  it('prefers the SVG, as a data URL that decodes back to it (lists of lines joined)', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><text>λ & "risk"</text></svg>';
    const c = staticCopyOf({ 'text/plain': ['Risk', 'Widget'], 'image/svg+xml': [svg.slice(0, 20), svg.slice(20)], 'image/png': 'iVBORw0KGgo=' });
    assert.equal(c.kind, 'svg');
    assert.equal(c.text, 'RiskWidget');
    const prefix = 'data:image/svg+xml;charset=utf-8,';
    assert.ok(c.src?.startsWith(prefix));
    assert.equal(decodeURIComponent((c.src ?? '').slice(prefix.length)), svg);
    assert.doesNotMatch(c.src ?? '', /[<>"#]/, 'nothing in the URL that would end the attribute or start a fragment');
  });

  it('takes the PNG of a heatmap (whitespace in the base64 dropped), else the text', () => {
    const png = staticCopyOf({ 'text/plain': 'KernelWidget: ntk 40x40', 'image/png': 'iVBOR\nw0KGgo=\n' });
    assert.deepEqual(png, { kind: 'png', src: 'data:image/png;base64,iVBORw0KGgo=', text: 'KernelWidget: ntk 40x40' });
    assert.deepEqual(staticCopyOf({ 'text/plain': 'SpectrumWidget: no eigenvalues yet' }), { kind: 'text', text: 'SpectrumWidget: no eigenvalues yet' });
    assert.equal(staticCopyOf({}).kind, 'text');
    assert.match(staticCopyOf({}).text, /no static figure/);
  });
});
