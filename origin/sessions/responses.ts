import { z } from 'zod';

/** Response bodies of `/v1/sessions`, as zod schemas for the OpenAPI document. */

export const sessionSchema = z
  .strictObject({
    mode: z.literal('session'),
    tenant: z.string(),
    csrfToken: z.string().describe('send as `X-Pixelfront-CSRF` with every change made with the cookie'),
    expiresAt: z.iso.datetime(),
  })
  .meta({ id: 'Session' });

/** `GET /v1/sessions/current`: a session, a bearer key, or open mode. */
export const currentSessionSchema = z
  .union([sessionSchema, z.strictObject({ mode: z.enum(['key', 'open']), tenant: z.string() })])
  .meta({ id: 'CurrentSession' });
