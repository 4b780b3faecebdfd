/** Static SVG text: long legend names wrap and keep their distinguishing end, with the full name as a tooltip; titles fit. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { figureSvg, LEGEND_TEXT_WIDTH } from '../../src/display/fallback/svg';
import { ellipsize, fitLines, textWidth } from '../../src/display/fallback/text-fit';
import type { Figure, Trace } from '../../src/figures/builders/types';

const line = (name: string, i = 0): Trace => ({ type: 'scatter', mode: 'lines', name, x: [0, 1], y: [i, i + 1], line: { color: '#123456' } });

/** Each legend entry's title and its visible lines. */
function legendEntries(svg: string): { title: string; lines: string[] }[] {
  const unesc = (s: string) => s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return [...svg.matchAll(/<g class="legend-entry"><title>(.*?)<\/title>.*?<text [^>]*>(.*?)<\/text><\/g>/g)].map((m) => ({
    title: unesc(m[1]),
    lines: [...m[2].matchAll(/<tspan[^>]*>(.*?)<\/tspan>/g)].map((t) => unesc(t[1])),
  }));
}

describe('text fitting', () => {
  it('leaves what fits, wraps at spaces, and cuts the middle of what is left', () => {
    assert.deepEqual(fitLines('theta-1: after step', 156, 11), ['theta-1: after step']);
    const two = fitLines('before step (random features) (0.312)', 156, 11);
    assert.equal(two.length, 2);
    assert.equal(two.join(' '), 'before step (random features) (0.312)', 'nothing lost when two lines hold it');
    const long = 'theta-sqrt-n N=1024 λ=0.01: a very long description of a curve that goes on and on (0.123)';
    const cut = fitLines(long, 156, 11);
    assert.equal(cut.length, 2);
    assert.ok(cut[0].startsWith('theta-sqrt-n'));
    assert.ok(cut[1].includes('…') && cut[1].endsWith('(0.123)'), cut[1]);
    for (const l of [...two, ...cut]) assert.ok(textWidth(l, 11) <= 156, `${l} fits`);
    const word = fitLines('x'.repeat(80), 100, 11);
    assert.ok(word.length === 2 && word.every((l) => textWidth(l, 11) <= 100), JSON.stringify(word));
    assert.equal(ellipsize('short', 100, 11), 'short');
  });
});

describe('static SVG legend', () => {
  it('names sharing their first 30 characters stay distinguishable, each with its full name as <title>', () => {
    const names = ['layerwise NTK component layer1/weight (n=300)', 'layerwise NTK component layer1/bias (n=300)', 'layerwise NTK component layer2/weight (n=300)'];
    const svg = figureSvg({ data: names.map(line), layout: {} });
    const entries = legendEntries(svg);
    assert.deepEqual(entries.map((e) => e.title), names);
    const shown = entries.map((e) => e.lines.join(' '));
    assert.equal(new Set(shown).size, 3, `distinct: ${JSON.stringify(shown)}`);
    for (const [i, e] of entries.entries()) {
      assert.ok(e.lines.join(' ').includes(names[i].match(/layer\d\/\w+/)?.[0] ?? '?'), JSON.stringify(e.lines));
      for (const l of e.lines) assert.ok(textWidth(l, 11) <= LEGEND_TEXT_WIDTH, `'${l}' fits the legend`);
    }
  });

  it('escapes names, stops with "+k more" before the bottom, and states a subtitle on its own line', () => {
    const many: Trace[] = Array.from({ length: 40 }, (_, i) => line(`curve <${i}> with a name long enough to wrap onto two lines`, i));
    const fig: Figure = { data: many, layout: { title: { text: 'ridge risk', subtitle: { text: 'computed with λ = 0.1, N = 256, 2 seeds' } } } };
    const svg = figureSvg(fig);
    assert.doesNotMatch(svg, /<\d+>/);
    const more = svg.match(/\+(\d+) more/);
    assert.ok(more, 'the legend says how many entries it left out');
    assert.equal(legendEntries(svg).length + Number(more[1]), 40);
    const height = Number(svg.match(/height="(\d+)"/)?.[1]);
    const ys = [...svg.matchAll(/<g class="legend-entry">.*?<text x="[\d.]+" y="([\d.]+)"/g)].map((m) => Number(m[1]));
    assert.ok(Math.max(...ys) + 13 < height, 'legend inside the image');
    assert.match(svg, /font-weight="bold">ridge risk<\/text><text [^>]*>computed with λ = 0\.1, N = 256, 2 seeds<\/text>/);
    assert.match(figureSvg({ data: [line('a')], layout: { title: { text: 'one<br>two' } } }), />one two</);
  });
});
