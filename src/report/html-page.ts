import { tableNotes } from './report-tables.js';
import { esc } from './svg/escape.js';
import { CHART_CSS } from './svg/frame.js';

/**
 * What every wirebench HTML page shares: its styles, the security policy, the skeleton.
 *
 * Narrow screens get one chart per row and tables that scroll inside their own box (the first column
 * stays put); the page itself never scrolls sideways. Chart cells are ≥ 400 px wide (CHART_CSS says why).
 */
const PAGE_CSS = `
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1400px; padding: 0 24px 48px; color: #1f2328; }
@media (max-width: 700px) { body { padding: 0 10px 32px; } }
h1 { font-size: 22px; margin: 24px 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 19px; margin: 32px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
.meta { color: #57606a; overflow-wrap: anywhere; }
.alert { background: #ffebe9; border: 1px solid #cf222e; border-left-width: 5px; padding: 6px 12px; border-radius: 6px; margin: 10px 0; }
.alert p { margin: 4px 0; } .alert ul { margin: 4px 0; padding-left: 20px; }
ul.warn { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; margin: 6px 0; padding: 6px 12px 6px 28px; }
ul.warn li { margin: 3px 0; } .count { color: #57606a; white-space: nowrap; }
nav { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 8px 0; }
.table-wrap { max-width: 100%; overflow-x: auto; margin: 6px 0 14px; border-left: 1px solid #d0d7de; }
table { border-collapse: separate; border-spacing: 0; font-variant-numeric: tabular-nums; border-top: 1px solid #d0d7de; }
th, td { border: solid #d0d7de; border-width: 0 1px 1px 0; padding: 3px 8px; text-align: right; white-space: nowrap; background: #fff; }
th { background: #f6f8fa; white-space: normal; vertical-align: bottom; min-width: 3.5em; }
th:first-child, td:first-child { text-align: left; position: sticky; left: 0; z-index: 1; box-shadow: 1px 0 0 #d0d7de; }
table.text td { white-space: normal; overflow-wrap: anywhere; min-width: 8em; text-align: left; } table.wrap td { white-space: normal; min-width: 6em; }
@media (max-width: 700px) { th:first-child, td:first-child { white-space: normal; } }
.ok { color: #1a7f37; } .fail { color: #cf222e; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 400px), 1fr)); gap: 28px 24px; }
.charts.wide { grid-template-columns: minmax(0, 1fr); }
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

/**
 * A table in a box of its own that scrolls sideways, and, when it has marked figures, the notes on them.
 * `cls`: `text` for prose cells that wrap, `wrap` for figures that may wrap between their parts.
 */
export function htmlTable(rows: readonly (readonly string[])[] | undefined, cls?: 'text' | 'wrap'): string {
  if (rows === undefined || rows.length === 0) return '';
  const [head, ...body] = rows;
  const tr = (r: readonly string[], tag: 'th' | 'td') =>
    `<tr>${r.map((c) => `<${tag}>${esc(c)}</${tag}>`).join('')}</tr>`;
  const note = tableNotes(rows)
    .map((n) => `<p class="meta">${esc(n)}</p>`)
    .join('');
  const attr = cls === undefined ? '' : ` class="${cls}"`;
  return `<div class="table-wrap"><table${attr}><thead>${tr(head, 'th')}</thead><tbody>${body.map((r) => tr(r, 'td')).join('')}</tbody></table></div>${note}`;
}
