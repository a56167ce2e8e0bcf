/** Field types more than one part of the scenario schema uses. */
import * as z from 'zod';

// Scenario and variant names end up in folder and file names (results/<ts>-<name>/<variant>.<metric>.hgrm).
export const Name = z
  .string()
  .regex(/^[A-Za-z0-9._-]+$/, {
    error: 'expected a name of letters, digits, ".", "_" or "-" (it is used in file names)',
  })
  .max(100);

export const Headers = z
  .record(
    z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'expected an HTTP header name' }),
    // A line break in a value (say, from an environment variable) would smuggle in extra headers.
    z.string().regex(/^[^\r\n\0]*$/, { error: 'expected a header value without line breaks' }),
  )
  .describe('HTTP headers (also sent with the WebSocket upgrade); values may use ${env:NAME}');

export const TlsSchema = z
  .strictObject({
    ca: z
      .string()
      .min(1)
      .optional()
      .describe('PEM file of extra CA certificates to trust (path relative to the scenario file)'),
    insecure: z
      .boolean()
      .optional()
      .describe('accept any certificate (self-signed test servers); never for real endpoints'),
    resume: z
      .boolean()
      .optional()
      .describe(
        'reuse TLS sessions on new connections (default true); false: every new connection pays a full handshake',
      ),
  })
  .describe('TLS client options for https/wss targets');
