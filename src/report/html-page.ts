import { tableNotes } from './report-tables.js';
import { esc } from './svg/escape.js';
import { CHART_CSS } from './svg/frame.js';

/** What every wirebench HTML page shares: its styles, the security policy, the skeleton. */

const PAGE_CSS = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 0 24px 48px; color: #1f2328; }
h1 { font-size: 22px; margin: 24px 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
.meta { color: #57606a; } .warn { background: #fff8c5; border: 1px solid #d4a72c; padding: 6px 10px; border-radius: 6px; margin: 4px 0; }
nav a { margin-right: 14px; }
table { border-collapse: collapse; margin: 6px 0 14px; font-variant-numeric: tabular-nums; display: block; max-width: 100%; overflow-x: auto; }
th, td { border: 1px solid #d0d7de; padding: 3px 8px; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; } th { background: #f6f8fa; }
.ok { color: #1a7f37; } .fail { color: #cf222e; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 16px; } .charts.wide { grid-template-columns: 1fr; }
pre { background: #f6f8fa; padding: 10px; overflow: auto; }
`;

/** A section of a page: its id (the navigation's anchor), heading and body (HTML, already escaped). */
export type PageSection = readonly [id: string, title: string, body: string];

/**
 * A self-contained page: inline CSS and SVG, no script, and a content-security policy that forbids
 * loading anything, so the file opens offline and shows the same thing anywhere. `header` is HTML under
 * the title; a section with an empty body is left out, of the page and of its navigation.
 */
export function htmlPage(title: string, header: string, all: readonly PageSection[]): string {
  const sections = all.filter(([, , body]) => body !== '');
  const nav = sections.map(([id, t]) => `<a href="#${id}">${esc(t)}</a>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${PAGE_CSS}${CHART_CSS}</style>
</head>
<body>
<header>
<h1>${esc(title)}</h1>
${header}
<nav>${nav.join('')}</nav>
</header>
${sections.map(([id, t, body]) => `<section id="${id}"><h2>${esc(t)}</h2>${body}</section>`).join('\n')}
</body>
</html>
`;
}

/** `wide`: one chart per row (waterfalls need the width for their ticks). */
export const chartGrid = (list: readonly string[], wide = false): string =>
  list.length === 0 ? '' : `<div class="charts${wide ? ' wide' : ''}">${list.join('\n')}</div>`;

/** A table and, when it has marked figures, the note on them. */
export function htmlTable(rows: readonly (readonly string[])[] | undefined): string {
  if (rows === undefined || rows.length === 0) return '';
  const [head, ...body] = rows;
  const tr = (r: readonly string[], tag: 'th' | 'td') =>
    `<tr>${r.map((c) => `<${tag}>${esc(c)}</${tag}>`).join('')}</tr>`;
  const note = tableNotes(rows)
    .map((n) => `<p class="meta">${esc(n)}</p>`)
    .join('');
  return `<table><thead>${tr(head, 'th')}</thead><tbody>${body.map((r) => tr(r, 'td')).join('')}</tbody></table>${note}`;
}
