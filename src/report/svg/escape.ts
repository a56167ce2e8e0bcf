const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

// Characters XML 1.0 forbids even as entities (C0 controls but tab and newlines, U+FFFE/U+FFFF, lone
// surrogates): escaping cannot make them valid, so they are dropped.
const INVALID =
  // eslint-disable-next-line no-control-regex -- matching the control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * User text (series names, labels, titles) made safe as XML/HTML text and as a quoted attribute value:
 * the report must render whatever a scenario calls its variants without running any of it.
 */
export function esc(text: string): string {
  return text.replace(INVALID, '').replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** An element id from user text: only `[A-Za-z0-9_-]`, so it is safe unquoted, in CSS selectors and in URLs. */
export function safeId(id: string): string {
  const clean = id.replace(/[^A-Za-z0-9_-]+/g, '-');
  return clean === '' || clean === '-' ? 'chart' : clean;
}
