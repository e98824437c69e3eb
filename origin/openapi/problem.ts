import { z } from 'zod';
import { errorCatalogue, type ErrorCode } from '../../core/errors.ts';
import { REQUEST_ID_PATTERN, requestInstance } from '../../core/request-id.ts';

/** Every code of the error catalogue (core/errors.ts), in its order. */
export const errorCodes = Object.keys(errorCatalogue) as ErrorCode[];

/**
 * The `application/problem+json` body (RFC 9457) every error answers with, as PixelfrontError's
 * toProblem builds it. The OpenAPI document narrows `status` and `code` per response.
 */
export const problemSchema = z
  .strictObject({
    type: z.url().describe('a URL naming the code: `…/errors/<code>`'),
    title: z.string().describe("the code's public title (the catalogue's)"),
    status: z.number().int().describe('the HTTP status, repeated'),
    detail: z.string().describe('what went wrong with this request, for people'),
    code: z.enum(errorCodes).describe('the stable, machine-readable error code'),
    instance: z
      .string()
      .regex(new RegExp(`^${requestInstance(REQUEST_ID_PATTERN.source.slice(1))}`))
      .optional()
      .describe('`urn:request:<X-Request-Id>`: the request this answered, to find it in the logs'),
    nearDuplicates: z
      .array(z.strictObject({ id: z.string(), distance: z.number().int() }))
      .optional()
      .describe("`near_duplicate` only: the tenant's images the upload was refused for, nearest first"),
  })
  .meta({
    id: 'Problem',
    description: [
      'An error (SPEC section 5). No input yields a 500; an unexpected failure of a backend is a 503 `unavailable`.',
      '',
      '| code | status | title |',
      '| --- | --- | --- |',
      ...errorCodes.map((code) => `| \`${code}\` | ${errorCatalogue[code].status} | ${errorCatalogue[code].title} |`),
    ].join('\n'),
  });
