/** The front end's column table and names against the kernel side's schemas: they must not drift apart. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Field, Float, Int, List, Precision, Type } from 'apache-arrow';
import { ColumnType, FRONTEND_SCHEMA_VERSION, KIND_COLUMNS } from '../../src/figures/arrow/kinds';
import { MODULE_NAME, MODULE_VERSION } from '../../src/figures/version';
import { SCHEMA_VERSION } from '../../src/arrow/metadata';
import { isResultKind, resultFields } from '../../src/arrow/schemas';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function typeOf(f: Field): ColumnType | string {
  const t = f.type;
  if (t.typeId === Type.Float) return (t as Float).precision === Precision.DOUBLE ? 'f64' : 'f32';
  if (t.typeId === Type.Int) return `i${(t as Int).bitWidth}`;
  if (t.typeId === Type.Utf8) return 'utf8';
  if (t.typeId === Type.Bool) return 'bool';
  if (t.typeId === Type.List) return `list<${typeOf((t as List).children[0])}>`;
  return String(t);
}

describe('widget kinds', () => {
  it('every column the widgets read exists in ntk-lab\'s schema with that type', () => {
    for (const [kind, cols] of Object.entries(KIND_COLUMNS)) {
      assert.ok(isResultKind(kind), kind);
      const fields = new Map(resultFields(kind).map((f) => [f.name, typeOf(f)]));
      for (const [name, type] of Object.entries(cols)) assert.equal(fields.get(name), type, `${kind}.${name}`);
    }
  });

  it('schema version and module name agree with the writer and the package', () => {
    assert.equal(FRONTEND_SCHEMA_VERSION, SCHEMA_VERSION);
    // The package.json the extension is built from (test runs from build/test/figures).
    const widgetsPackage = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'widgets', 'package.json'), 'utf8')) as { name: string; version: string };
    assert.equal(MODULE_NAME, widgetsPackage.name);
    assert.equal(MODULE_VERSION, widgetsPackage.version);
  });
});
