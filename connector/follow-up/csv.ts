/**
 * A small CSV writer (RFC 4180: comma-separated, CRLF line ends, fields holding a comma, a
 * quote or a line break quoted, quotes doubled), safe to open in a spreadsheet: a cell that
 * starts with = + - @ (or a tab or carriage return) gets a leading apostrophe, so it is read
 * as text, never as a formula (OWASP "CSV Injection").
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell as written. */
export function csvCell(value: string): string {
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The whole document: a header line then one line per row, each line ended by CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, ...rows].map((cells) => `${cells.map(csvCell).join(',')}\r\n`).join('');
}
