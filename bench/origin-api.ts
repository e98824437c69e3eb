import { request } from 'undici';

/** The few origin calls the bench makes besides load: uploads, the watermark, the render counter. */

export async function uploadImage(origin: string, data: Buffer, contentType: string): Promise<string> {
  const response = await request(`${origin}/v1/images`, { method: 'POST', headers: { 'content-type': contentType }, body: data });
  const text = await response.body.text();
  if (response.statusCode !== 201 && response.statusCode !== 200) throw new Error(`upload failed: ${response.statusCode} ${text}`);
  return (JSON.parse(text) as { id: string }).id;
}

export async function putWatermark(origin: string, name: string, data: Buffer): Promise<void> {
  const response = await request(`${origin}/v1/watermarks/${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'image/png' },
    body: data,
  });
  const text = await response.body.text();
  if (response.statusCode >= 300) throw new Error(`watermark upload failed: ${response.statusCode} ${text}`);
}

/**
 * One S3-style multipart upload (POST /v1/uploads, PUT each part, complete); resolves with the
 * image id, rejects on any answer that is not a success. `readPart` gives the bytes at an offset;
 * `partSize` picks the part size from the one the server offers.
 */
export async function uploadInParts(
  origin: string,
  upload: {
    filename: string;
    size: number;
    readPart: (offset: number, length: number) => Promise<Buffer>;
    partSize?: (offered: number) => number;
  },
): Promise<string> {
  const session = await call(`${origin}/v1/uploads`, 'POST', JSON.stringify({ filename: upload.filename, size: upload.size }));
  const uploadId = String(session['uploadId']);
  const partSize = upload.partSize?.(Number(session['partSize'])) ?? Number(session['partSize']);
  for (let part = 1, offset = 0; offset < upload.size; part += 1, offset += partSize) {
    const bytes = await upload.readPart(offset, Math.min(partSize, upload.size - offset));
    await call(`${origin}/v1/uploads/${uploadId}/parts/${part}`, 'PUT', bytes, 'application/octet-stream');
  }
  const image = await call(`${origin}/v1/uploads/${uploadId}/complete`, 'POST', '{}');
  return String(image['id']);
}

async function call(
  url: string,
  method: 'POST' | 'PUT',
  body: string | Buffer,
  contentType = 'application/json',
): Promise<Record<string, unknown>> {
  const response = await request(url, { method, body, headers: { 'content-type': contentType } });
  const text = await response.body.text();
  if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.statusCode} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Bytes the origin's memory caches hold (pixelfront_memory_cache_bytes over its labels). */
export async function memoryCacheBytes(origin: string): Promise<number> {
  const response = await request(`${origin}/metrics`);
  return sumMetric(await response.body.text(), 'pixelfront_memory_cache_bytes');
}

/** Sum of pixelfront_renders_total over its labels. */
export async function rendersTotal(origin: string): Promise<number> {
  const response = await request(`${origin}/metrics`);
  return sumMetric(await response.body.text(), 'pixelfront_renders_total');
}

export function sumMetric(text: string, name: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total += value;
  }
  return total;
}

/** A different but equally valid JPEG: a COM segment after SOI changes the SHA-256 (no dedup) and nothing else. */
export function withJpegComment(jpeg: Buffer, comment: string): Buffer {
  const text = Buffer.from(comment, 'latin1');
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), segment, text, jpeg.subarray(2)]);
}
