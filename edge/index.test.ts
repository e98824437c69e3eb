import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';

describe('the deployed entry (wrangler.toml main and vars)', () => {
  it('is a fetch handler that rejects a bad transform itself, with the bindings from wrangler.toml', async () => {
    const response = await SELF.fetch('https://edge.test/img/abcdefgh12/w_abc');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ code: 'invalid_transform', status: 400 });
  });
});
