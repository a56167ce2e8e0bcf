/**
 * Whether to color what goes to `stream`: a terminal, unless NO_COLOR (no-color.org) says otherwise;
 * FORCE_COLOR turns color on for a pipe (a CI log that renders ANSI). Both count only when non-empty.
 */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env.NO_COLOR ?? '') !== '') return false;
  const force = env.FORCE_COLOR ?? '';
  if (force !== '') return force !== '0' && force !== 'false';
  return stream.isTTY === true;
}
