/**
 * Bench: the initial JavaScript each UI entry makes its user download, gzip. Builds the UI
 * (`ng build`, every entry), then for each entry reads its index.html's initial scripts
 * (`<script type="module" src>` and `<link rel="modulepreload" href>`), gzips each with
 * node:zlib and adds them up (brotli too, which is what `ng build` calls "Estimated transfer
 * size"). Lazy chunks (the conference drivers, the panel's later pages)
 * are not counted: they load when needed. Printed only, never asserted.
 *
 *   node --import tsx tests/bench/run.ts pages
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { buildUi } from '../../connector/scripts/ensure-ui.ts';
import { UI_ROOTS } from '../../connector/sessions/ui-static.ts';
import { printTable } from './report.ts';

/** The budget of each entry's initial JS, gzip, in kB (1000 bytes, as `ng build` counts). */
const ENTRIES = [
  { name: 'patient', root: UI_ROOTS.patient, limitKb: 120 },
  { name: 'panel', root: UI_ROOTS.panel, limitKb: 250 },
] as const;

/** The files an index.html loads at once: module scripts and module preloads, in order. */
export function initialScripts(html: string): string[] {
  const files: string[] = [];
  for (const tag of html.match(/<script\b[^>]*>|<link\b[^>]*>/gi) ?? []) {
    const attr = (name: string) => new RegExp(`\\b${name}\\s*=\\s*"([^"]*)"`, 'i').exec(tag)?.[1];
    if (/^<script/i.test(tag) && attr('type') === 'module' && attr('src')) files.push(attr('src')!);
    else if (/^<link/i.test(tag) && attr('rel') === 'modulepreload' && attr('href')) files.push(attr('href')!);
  }
  return [...new Set(files)];
}

/** Builds the UI and prints each entry's initial JS, gzip, against its budget. */
export async function benchPages(): Promise<void> {
  buildUi({ quiet: true });
  const figures: string[] = [];
  const rows: [string, string][] = [];
  for (const entry of ENTRIES) {
    const files = initialScripts(readFileSync(join(entry.root, 'index.html'), 'utf8'));
    let raw = 0;
    let gzip = 0;
    let brotli = 0;
    for (const file of files) {
      const bytes = readFileSync(join(entry.root, file));
      const zipped = gzipSync(bytes, { level: 9 }).length;
      const brotlied = brotliCompressSync(bytes).length;
      raw += bytes.length;
      gzip += zipped;
      brotli += brotlied;
      rows.push([`${entry.name} ${file}`, `${kb(bytes.length)} raw, ${kb(zipped)} gzip, ${kb(brotlied)} brotli`]);
    }
    rows.push([`${entry.name} total (${files.length} files)`, `${kb(raw)} raw, ${kb(gzip)} gzip, ${kb(brotli)} brotli`]);
    figures.push(`${entry.name} initial JS ${kb(gzip)} gzip (limit ${entry.limitKb} KB)`);
  }
  printTable('pages: initial JavaScript per entry', rows);
  console.log(`pages: ${figures.join(', ')}`);
}

function kb(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} KB`;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchPages();
