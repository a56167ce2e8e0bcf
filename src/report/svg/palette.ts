/**
 * Okabe–Ito: eight colours that stay distinct under the common colour-vision deficiencies. Ordered by
 * contrast on a white page; yellow comes last because thin lines of it are hard to see on white.
 */
const OKABE_ITO = [
  '#0072B2', // blue
  '#D55E00', // vermillion
  '#009E73', // bluish green
  '#CC79A7', // reddish purple
  '#E69F00', // orange
  '#56B4E9', // sky blue
  '#000000', // black
  '#F0E442', // yellow
] as const;

/** The colour of the i-th series; cycles after eight (tell series apart by `dash` beyond that). */
export function seriesColor(i: number): string {
  const n = OKABE_ITO.length;
  const k = Number.isFinite(i) ? Math.trunc(i) : 0;
  return OKABE_ITO[((k % n) + n) % n];
}
