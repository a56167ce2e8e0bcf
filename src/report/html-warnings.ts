import { type Result, variantKey } from '../result/result.js';
import { esc } from './svg/escape.js';

/**
 * The HTML report's warnings: an endpoint run past its capacity called out at the top (every figure of
 * that variant measures a queue), the rest after the summary, a text shared by many variants or steps
 * said once with whom it concerns.
 */

/** The run's own marker of an open loop the endpoint fell behind (`run/variant-result.ts`). */
const PAST_CAPACITY = 'past capacity: ';

interface Warning {
  text: string;
  /** The variants (`step2.ws (3)`) it concerns, in order; none for a run-wide warning. */
  subjects: string[];
  /** How many warnings said it. */
  count: number;
}

/** Every variant key the result has: the warnings name their subjects by them. */
function keys(result: Result): Set<string> {
  if (result.steps === undefined) return new Set(result.variants.map((v) => v.name));
  return new Set(result.steps.flatMap((st, k) => st.variants.map((v) => variantKey(v.name, k))));
}

/**
 * `a (3), b: text` → subjects `a (3)`, `b` and the text; a warning without them is run-wide. A step's
 * warnings carry its prefix once (`step2.a (3), b: …`): each name after the first is given it.
 */
function split(warning: string, known: ReadonlySet<string>): { subjects: string[]; text: string } {
  for (let at = warning.indexOf(': '); at > 0; at = warning.indexOf(': ', at + 1)) {
    const [first, ...rest] = warning.slice(0, at).split(', ');
    const step = /^step\d+\./.exec(first)?.[0] ?? '';
    const subjects = [first, ...rest.map((s) => step + s)];
    if (subjects.every((s) => known.has(s.replace(/ \(\d+\)$/, '')))) return { subjects, text: warning.slice(at + 2) };
  }
  return { subjects: [], text: warning };
}

/** The warnings with one entry per distinct text, in the order each text first appears. */
export function collapse(result: Result): { capacity: Warning[]; other: Warning[] } {
  const known = keys(result);
  const byText = new Map<string, Warning>();
  for (const w of result.warnings) {
    const { subjects, text } = split(w, known);
    const seen = byText.get(text);
    if (seen === undefined) byText.set(text, { text, subjects, count: 1 });
    else [seen.subjects, seen.count] = [[...seen.subjects, ...subjects], seen.count + 1];
  }
  const all = [...byText.values()];
  return {
    capacity: all.filter((w) => w.text.startsWith(PAST_CAPACITY)),
    other: all.filter((w) => !w.text.startsWith(PAST_CAPACITY)),
  };
}

const item = (w: Warning): string =>
  `<li>${w.subjects.length === 0 ? '' : `<strong>${esc(w.subjects.join(', '))}</strong>: `}${esc(w.text)}` +
  `${w.count > 1 ? ` <span class="count">(×${w.count})</span>` : ''}</li>`;

/** The call-out at the top of the page: which variants ran past capacity, and what that does to the figures. */
export function capacityAlert(result: Result): string {
  const { capacity } = collapse(result);
  if (capacity.length === 0) return '';
  return (
    '<div class="alert" role="alert"><p><strong>Over capacity</strong>: requests arrived faster than the endpoint ' +
    'completed them, so the latencies below measure its queue, not the transport.</p>' +
    `<ul>${capacity.map((w) => item({ ...w, text: w.text.slice(PAST_CAPACITY.length) })).join('')}</ul></div>`
  );
}

/** The other warnings, for after the summary; '' when there are none. */
export function warningList(result: Result): string {
  const { other } = collapse(result);
  if (other.length === 0) return '';
  return `<ul class="warn">${other.map(item).join('')}</ul>`;
}

/** How many distinct warnings the list holds, for a pointer to it near the top. */
export const warningCount = (result: Result): number => collapse(result).other.length;
