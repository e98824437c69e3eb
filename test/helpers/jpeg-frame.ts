/**
 * The frame type of a JPEG, read from its markers: SOF0 (baseline), SOF1 (extended), SOF2
 * (progressive)… Walks the segments from SOI to the first SOFn, so a stray 0xFFC2 inside an
 * EXIF or ICC segment cannot be mistaken for the frame header.
 */
export function jpegFrameMarker(data: Uint8Array): string {
  if (data[0] !== 0xff || data[1] !== 0xd8) throw new Error('not a JPEG (no SOI marker)');
  let offset = 2;
  while (offset + 4 <= data.length) {
    if (data[offset] !== 0xff) throw new Error(`no marker at byte ${offset}`);
    const marker = data[offset + 1] ?? 0;
    // Fill bytes (0xFF 0xFF…) may precede a marker.
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    // SOF0…SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) return `SOF${marker - 0xc0}`;
    if (marker === 0xda) throw new Error('scan data before any frame header');
    const length = ((data[offset + 2] ?? 0) << 8) | (data[offset + 3] ?? 0);
    offset += 2 + length;
  }
  throw new Error('no frame header');
}
