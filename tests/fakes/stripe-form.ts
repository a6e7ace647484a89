/**
 * Stripe's request encoding for the fake: `application/x-www-form-urlencoded` with nested
 * brackets (`line_items[0][price_data][unit_amount]=3000`), decoded into objects and arrays
 * the way Stripe's API reads them.
 */

/** A decoded form value: text, a list or a nested object. */
export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

/** Splits `a[b][0][c]` into `['a', 'b', '0', 'c']`; undefined when the brackets are malformed. */
function keyPath(key: string): string[] | undefined {
  const first = /^([^[\]]+)/.exec(key);
  if (!first?.[1]) return undefined;
  const path = [first[1]];
  let rest = key.slice(first[1].length);
  while (rest.length > 0) {
    const part = /^\[([^[\]]*)\]/.exec(rest);
    if (!part) return undefined;
    path.push(part[1] ?? '');
    rest = rest.slice(part[0].length);
  }
  return path;
}

function isObject(v: FormValue | undefined): v is FormObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects whose keys are exactly 0..n-1 become arrays, as Stripe treats `items[0]`, `items[1]`. */
function arraysFromIndexes(value: FormValue): FormValue {
  if (Array.isArray(value)) return value.map(arraysFromIndexes);
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  const converted: FormObject = {};
  for (const k of keys) converted[k] = arraysFromIndexes(value[k] as FormValue);
  const indexed = keys.length > 0 && keys.every((k) => /^\d+$/.test(k)) && keys.map(Number).sort((a, b) => a - b).every((n, i) => n === i);
  return indexed ? keys.map((_, i) => converted[String(i)] as FormValue) : converted;
}

/** Decodes a form body; throws `FormSyntaxError` with the offending key on malformed brackets. */
export function parseStripeForm(body: string): FormObject {
  const root: FormObject = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = keyPath(key);
    if (!path) throw new FormSyntaxError(key);
    let node: FormObject = root;
    for (let i = 0; i < path.length - 1; i++) {
      const segment = path[i] as string;
      const next = node[segment];
      if (next === undefined) node[segment] = {};
      else if (!isObject(next)) throw new FormSyntaxError(key);
      node = node[segment] as FormObject;
    }
    const last = path[path.length - 1] as string;
    // `key[]=v` appends, as qs does.
    const slot = last === '' ? String(Object.keys(node).length) : last;
    if (node[slot] !== undefined) throw new FormSyntaxError(key);
    node[slot] = value;
  }
  return arraysFromIndexes(root) as FormObject;
}

/** A key the fake cannot decode (Stripe answers 400). */
export class FormSyntaxError extends Error {
  constructor(readonly key: string) {
    super(`Invalid form key: ${key}`);
  }
}

/** Stable JSON of a decoded form (sorted keys), to compare two requests' parameters. */
export function canonicalForm(value: FormValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalForm).join(',')}]`;
  return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalForm(value[k] as FormValue)}`).join(',')}}`;
}
