import { describe, expect, it } from 'vitest';

import { useColor } from '../../src/cli/color.js';

describe('useColor', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };

  it('colors a terminal and not a pipe by default', () => {
    expect(useColor(tty, {})).toBe(true);
    expect(useColor(pipe, {})).toBe(false);
  });

  it('respects NO_COLOR when set to anything non-empty, above FORCE_COLOR', () => {
    expect(useColor(tty, { NO_COLOR: '1' })).toBe(false);
    expect(useColor(tty, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
    expect(useColor(tty, { NO_COLOR: '' })).toBe(true);
  });

  it('colors a pipe with FORCE_COLOR, unless it says 0 or false', () => {
    expect(useColor(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(useColor(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(useColor(tty, { FORCE_COLOR: 'false' })).toBe(false);
  });
});
