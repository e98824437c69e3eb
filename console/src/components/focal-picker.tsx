import type { JSX } from 'preact';

const STEP = 0.05;
const clamp = (value: number) => Math.min(1, Math.max(0, Math.round(value * 100) / 100));

/**
 * The source image; a click sets the focal point `fp` at that spot (fractions of the image). With
 * the keyboard, the arrow keys move it in steps of 5 % once the picture has focus.
 */
export function FocalPicker({
  src,
  alt,
  point,
  onPick,
}: {
  src: string | undefined;
  alt: string;
  point: [number, number] | null;
  onPick: (point: [number, number]) => void;
}) {
  const click = (event: JSX.TargetedMouseEvent<HTMLDivElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return;
    onPick([clamp((event.clientX - box.left) / box.width), clamp((event.clientY - box.top) / box.height)]);
  };
  const key = (event: JSX.TargetedKeyboardEvent<HTMLDivElement>) => {
    const [x, y] = point ?? [0.5, 0.5];
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [x - STEP, y],
      ArrowRight: [x + STEP, y],
      ArrowUp: [x, y - STEP],
      ArrowDown: [x, y + STEP],
    };
    const next = moves[event.key];
    if (!next) return;
    event.preventDefault();
    onPick([clamp(next[0]), clamp(next[1])]);
  };
  return (
    <div
      class="focal"
      role="application"
      tabIndex={0}
      aria-label={`Focal point: click the image or use the arrow keys. ${point ? `Now at ${point[0]}, ${point[1]}` : 'Not set'}`}
      onClick={click}
      onKeyDown={key}
    >
      {src && <img src={src} alt={alt} />}
      {point && <span class="dot" style={{ left: `${point[0] * 100}%`, top: `${point[1] * 100}%` }} />}
    </div>
  );
}
