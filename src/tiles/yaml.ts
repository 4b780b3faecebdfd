/**
 * A YAML emitter for plain JSON data (objects, arrays, strings, numbers, booleans, null), in block style. Strings
 * are written as JSON strings, which are YAML double-quoted scalars, so that no value is read back as another
 * type (`"1"`, `"yes"`, `"null"` stay strings). The output parses to the same data with any YAML 1.1 or 1.2 parser.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function scalar(v: null | boolean | number | string): string {
  if (typeof v === 'number' && !Number.isFinite(v)) throw new RangeError(`YAML: ${v} is not a JSON number`);
  return v === null ? 'null' : JSON.stringify(v);
}

function isEmpty(v: Json): boolean {
  return Array.isArray(v) ? v.length === 0 : typeof v === 'object' && v !== null && Object.keys(v).length === 0;
}

function lines(v: Json, indent: string): string[] {
  if (Array.isArray(v)) {
    return v.flatMap((item) => {
      if (item !== null && typeof item === 'object' && !isEmpty(item)) {
        const [first, ...rest] = lines(item, `${indent}  `);
        return [`${indent}- ${first.trimStart()}`, ...rest];
      }
      return [`${indent}- ${inline(item)}`];
    });
  }
  if (v !== null && typeof v === 'object') {
    return Object.entries(v).flatMap(([k, item]) => {
      const key = /^[A-Za-z_][A-Za-z0-9_./-]*$/.test(k) ? k : JSON.stringify(k);
      if (item !== null && typeof item === 'object' && !isEmpty(item)) return [`${indent}${key}:`, ...lines(item, `${indent}  `)];
      return [`${indent}${key}: ${inline(item)}`];
    });
  }
  return [`${indent}${scalar(v)}`];
}

function inline(v: Json): string {
  if (Array.isArray(v)) return '[]';
  if (v !== null && typeof v === 'object') return '{}';
  return scalar(v);
}

/** `data` as a YAML document (ends with a newline). */
export function toYaml(data: unknown): string {
  return lines(JSON.parse(JSON.stringify(data)) as Json, '').join('\n') + '\n';
}
