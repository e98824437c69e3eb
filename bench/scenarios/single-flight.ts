import { runLoad } from '../load.ts';
import { rendersTotal } from '../origin-api.ts';
import type { Scenarios } from '../report-types.ts';

/** N identical requests at once for a variant nobody asked for yet; the render counter must move by one. */
export async function measureSingleFlight(
  origin: string,
  imageId: string,
  requests: number,
): Promise<NonNullable<Scenarios['singleFlight']>> {
  const before = await rendersTotal(origin);
  const result = await runLoad({
    origin,
    path: () => `/img/${imageId}/w_777,h_555,c_fill,f_webp,q_77`,
    requests,
    concurrency: requests,
    maxSeconds: 120,
  });
  const after = await rendersTotal(origin);
  return { requests, answered: result.samples.filter((sample) => sample.ok).length, renders: after - before };
}
