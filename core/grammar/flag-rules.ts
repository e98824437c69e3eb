/**
 * What `fl` goes with. A flag that cannot change the answer is refused rather than ignored, where
 * the URL already says so: `fl_progressive` with an explicit non-JPEG `f`. With `f_auto` or no
 * `f` the output format is only known per request (or per source), so there it applies when the
 * answer is a JPEG and is inert otherwise.
 */
import { invalid, itemLabel, type ItemSet } from './items.ts';

export function checkFlagRules(set: ItemSet): void {
  const { fl, f } = set.ops;
  if (fl === undefined || f === undefined) return;
  if (fl.value === 'progressive' && f.value !== 'jpeg' && f.value !== 'auto') {
    invalid(`${itemLabel(fl)}: progressive applies only to JPEG outputs (f_jpeg, f_auto or no f), not ${itemLabel(f)}`);
  }
}
