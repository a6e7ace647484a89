/**
 * The server-rendered pages (demo agenda, sandbox payment, dev outbox, link and payment
 * error pages) share one shell: language, viewport, no referrer, not indexed, light and
 * dark colours. Every value put into a page goes through `escapeHtml`.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** What a page brings to the shell. */
export interface HtmlPageInput {
  lang: 'fr' | 'en';
  /** Plain text; escaped here. */
  title: string;
  /** The body's HTML, already escaped by the caller. */
  body: string;
  /** Width of the content column (the outbox and the demo are wide). */
  width?: '28rem' | '36rem' | '60rem';
  /** Page-specific CSS. */
  css?: string;
}

const BASE_CSS = ':root{color-scheme:light dark;font-family:system-ui,sans-serif}body{margin:0 auto;padding:1rem;line-height:1.45}'
  + '.banner{background:#fff3cd;color:#5c4400;border:1px solid #e0c060;padding:.6rem .8rem;border-radius:.4rem}';

/** A whole page in the shared shell. */
export function htmlPage(input: HtmlPageInput): string {
  return `<!doctype html>
<html lang="${input.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex"><title>${escapeHtml(input.title)}</title>
<style>${BASE_CSS}body{max-width:${input.width ?? '36rem'}}${input.css ?? ''}</style></head>
<body>
${input.body}
</body></html>`;
}
