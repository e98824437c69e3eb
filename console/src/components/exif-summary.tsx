import { Fragment } from 'preact';
import type { ImageObject } from '../types.ts';

/** What the camera and the file's IPTC said, in one short list; nothing when they said nothing. */
export function ExifSummary({ image }: { image: ImageObject }) {
  const exif = image.exif;
  const iptc = image.iptc;
  if (!exif && !iptc) return <p class="muted">No EXIF or IPTC metadata.</p>;
  const rows: [string, string][] = [];
  if (exif) {
    // Models often repeat the make ("Canon" "Canon EOS 300D"): print it once.
    const camera = exif.make && exif.model?.startsWith(exif.make) ? exif.model : [exif.make, exif.model].filter(Boolean).join(' ');
    if (camera) rows.push(['Camera', camera]);
    if (exif.lens) rows.push(['Lens', exif.lens]);
    const exposure = [
      exif.exposureTime !== null ? shutter(exif.exposureTime) : '',
      exif.fNumber !== null ? `f/${exif.fNumber}` : '',
      exif.iso !== null ? `ISO ${exif.iso}` : '',
      exif.focalLength !== null ? `${exif.focalLength} mm` : '',
    ].filter(Boolean);
    if (exposure.length) rows.push(['Exposure', exposure.join(' · ')]);
    if (exif.takenAt) rows.push(['Taken', exif.takenAt]);
    if (exif.gps) rows.push(['GPS', `${exif.gps.latitude.toFixed(5)}, ${exif.gps.longitude.toFixed(5)}`]);
  }
  if (iptc) {
    if (iptc.caption) rows.push(['Caption', iptc.caption]);
    if (iptc.keywords.length) rows.push(['Keywords', iptc.keywords.join(', ')]);
    if (iptc.creator) rows.push(['Creator', iptc.creator]);
    if (iptc.copyright) rows.push(['Copyright', iptc.copyright]);
  }
  if (rows.length === 0) return <p class="muted">No EXIF or IPTC metadata.</p>;
  return (
    <>
      <h2>EXIF and IPTC</h2>
      <dl class="meta">
        {rows.map(([label, value]) => (
          <Fragment key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </Fragment>
        ))}
      </dl>
    </>
  );
}

/** 0.004 s reads as 1/250 s, as cameras print it. */
function shutter(seconds: number): string {
  return seconds >= 1 || seconds <= 0 ? `${seconds} s` : `1/${Math.round(1 / seconds)} s`;
}
