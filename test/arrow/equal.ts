/** Bit-level table comparison for the round-trip tests. */
import assert from 'node:assert/strict';
import { Bool, DataType, List, Table, Type, Utf8, Vector } from 'apache-arrow';
import { sameBits } from './helpers';

/** Asserts `got` has the columns, types and, bit for bit, the values of `want` (metadata compared separately). */
export function assertSameColumns(got: Table, want: Table): void {
  assert.deepEqual(
    got.schema.fields.map((f) => `${f.name}: ${f.type}`),
    want.schema.fields.map((f) => `${f.name}: ${f.type}`),
  );
  assert.equal(got.numRows, want.numRows);
  for (const f of want.schema.fields) {
    const g = got.getChild(f.name) as Vector;
    const w = want.getChild(f.name) as Vector;
    assertSameVector(g, w, f.type, f.name);
  }
}

function assertSameVector(g: Vector, w: Vector, type: DataType, name: string): void {
  if (type instanceof Utf8) {
    assert.deepEqual([...(g as Vector<Utf8>)], [...(w as Vector<Utf8>)], name);
  } else if (type instanceof Bool) {
    assert.deepEqual([...(g as Vector<Bool>)], [...(w as Vector<Bool>)], name);
  } else if (type instanceof List) {
    for (let i = 0; i < w.length; i++) {
      const a = (g.get(i) as Vector).toArray() as ArrayBufferView;
      const b = (w.get(i) as Vector).toArray() as ArrayBufferView;
      assert.ok(sameBits(a, b), `${name}[${i}] differs`);
    }
  } else if (type.typeId === Type.Int || type.typeId === Type.Float) {
    assert.ok(sameBits(g.toArray() as ArrayBufferView, w.toArray() as ArrayBufferView), `${name} differs`);
  } else {
    assert.fail(`no comparison for column ${name}: ${type}`);
  }
}
