/**
 * Lays a message out as an email: HTML for mail clients (inline styles and tables, the
 * only layout they all honour) and the same words as plain text. Every variable is
 * escaped here, once.
 */
import type { LanguageFrame, MessageCopy } from './content.ts';
import { escapeHtml } from '../../http/html-page.ts';

/** Who signs the email. */
export interface EmailSignature {
  firstName: string;
  sender: string;
}

const BUTTON = 'display:inline-block;padding:12px 24px;border-radius:6px;background:#0b6e4f;color:#ffffff;font-weight:bold;text-decoration:none';
const SMALL = 'font-size:13px;line-height:1.5;color:#52606d';

/** The HTML version. */
export function renderHtml(copy: MessageCopy, frame: LanguageFrame, sig: EmailSignature): string {
  const e = escapeHtml;
  const p = (text: string, style = 'margin:0 0 16px;font-size:16px;line-height:1.5') => `<p style="${style}">${e(text)}</p>`;
  const actions = copy.actions.map((a) => [
    `<p style="margin:24px 0 8px;text-align:center"><a href="${e(a.url)}" style="${BUTTON}">${e(a.label)}</a></p>`,
    `<p style="margin:0 0 16px;${SMALL};text-align:center">${e(frame.linkFallback)}<br><a href="${e(a.url)}" style="color:#0b6e4f;word-break:break-all">${e(a.url)}</a></p>`,
  ].join('\n')).join('\n');
  return `<!doctype html>
<html lang="${e(frame.htmlLang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(copy.subject)}</title>
</head>
<body style="margin:0;padding:0;background:#f4f6f8;font-family:Arial,Helvetica,sans-serif;color:#1f2933">
<div style="display:none;max-height:0;overflow:hidden">${e(copy.preheader)}</div>
<table role="presentation" width="100%" cellspacing="0" cellpadding="0" style="background:#f4f6f8"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellspacing="0" cellpadding="0" style="max-width:560px;background:#ffffff;border-radius:8px"><tr><td style="padding:32px 28px">
${p(frame.greeting(sig.firstName))}
${copy.paragraphs.map((x) => p(x)).join('\n')}
${actions}
${copy.notes.map((x) => p(x, `margin:16px 0;${SMALL}`)).join('\n')}
<p style="margin:24px 0 0;font-size:16px;line-height:1.5">${e(frame.closing)}<br>${e(sig.sender)}</p>
</td></tr></table>
<p style="max-width:560px;margin:16px auto 0;${SMALL}">${e(frame.footer(sig.sender))}</p>
</td></tr></table>
</body>
</html>
`;
}

/** The plain-text version: the same words, each link on its own line. */
export function renderText(copy: MessageCopy, frame: LanguageFrame, sig: EmailSignature): string {
  const blocks = [
    frame.greeting(sig.firstName),
    ...copy.paragraphs,
    ...copy.actions.map((a) => `${a.label}${frame.colon}\n${a.url}`),
    ...copy.notes,
    `${frame.closing}\n${sig.sender}`,
    `--\n${frame.footer(sig.sender)}`,
  ];
  return `${blocks.join('\n\n')}\n`;
}
