import type { ComponentChildren } from 'preact';
import { GRAVITIES } from '../../../core/grammar/compound-values.ts';
import { FORMAT_TOKENS as FORMATS } from '../../../core/grammar/ops.ts';
import type { BuilderState } from '../builder.ts';
import type { Preset, WatermarkEntry } from '../types.ts';

const MODES = [
  ['', 'fit (default): inside the box'],
  ['fill', 'fill: cover the box, crop'],
  ['pad', 'pad: fit, then pad to the box'],
  ['scale', 'scale: stretch to the box'],
  ['crop', 'crop: cut a region x, y, w, h'],
] as const;
const WATERMARK_GRAVITIES = GRAVITIES.filter((gravity) => gravity !== 'auto' && gravity !== 'entropy');

interface Props {
  state: BuilderState;
  onChange: (state: BuilderState) => void;
  presets: readonly Preset[];
  watermarks: readonly WatermarkEntry[];
}

/** The URL builder's controls; every change goes up at once, the view debounces the preview. */
export function BuilderForm({ state, onChange, presets, watermarks }: Props) {
  const set = <K extends keyof BuilderState>(key: K, value: BuilderState[K]) => onChange({ ...state, [key]: value });
  const text = (
    key: 'w' | 'h' | 'ar' | 'x' | 'y' | 'blur' | 'b' | 'q',
    label: string,
    hint?: string,
    inputMode?: 'numeric' | 'decimal' | 'text',
  ) => (
    <label>
      {label}
      <input
        name={key}
        value={state[key]}
        inputMode={inputMode ?? 'numeric'}
        placeholder={hint}
        onInput={(e) => set(key, e.currentTarget.value)}
      />
    </label>
  );

  return (
    <form class="stack builder-form" onSubmit={(event) => event.preventDefault()} aria-label="Transform">
      <Group legend="Preset">
        <label>
          Preset
          <select name="preset" value={state.preset} onChange={(e) => set('preset', e.currentTarget.value)}>
            <option value="">none</option>
            {presets.map((preset) => (
              <option key={preset.name} value={preset.name}>
                {preset.name} ({preset.ops})
              </option>
            ))}
          </select>
        </label>
      </Group>
      <Group legend="Size">
        <label>
          Resize mode
          <select name="c" value={state.c} onChange={(e) => set('c', e.currentTarget.value as BuilderState['c'])}>
            {MODES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        {text('w', 'Width', 'px')}
        {text('h', 'Height', 'px')}
        {text('ar', 'Aspect ratio', '16:9', 'text')}
        {state.c === 'crop' && (
          <>
            {text('x', 'Region x', 'px')}
            {text('y', 'Region y', 'px')}
          </>
        )}
      </Group>
      <Group legend="Gravity">
        <label>
          Gravity
          <select
            name="g"
            value={state.fp ? '' : state.g}
            onChange={(e) => onChange({ ...state, g: e.currentTarget.value as BuilderState['g'], fp: null })}
          >
            <option value="">{state.fp ? 'focal point set' : 'center (default)'}</option>
            {GRAVITIES.filter((gravity) => gravity !== 'center').map((gravity) => (
              <option key={gravity} value={gravity}>
                {gravity}
              </option>
            ))}
          </select>
        </label>
        <p class="muted">
          Or click the image for a focal point (with <code>fill</code>).
          {state.fp && (
            <>
              {' '}
              Now <code>fp_{state.fp.join(':')}</code>.{' '}
              <button type="button" onClick={() => set('fp', null)}>
                Clear focal point
              </button>
            </>
          )}
        </p>
      </Group>
      <Group legend="Format and quality">
        <label>
          Format
          <select name="f" value={state.f} onChange={(e) => set('f', e.currentTarget.value as BuilderState['f'])}>
            <option value="">the source's</option>
            {FORMATS.map((format) => (
              <option key={format} value={format}>
                {format === 'auto' ? 'auto (negotiated)' : format}
              </option>
            ))}
          </select>
        </label>
        <label>
          Quality
          <input
            name="q"
            list="quality-levels"
            value={state.q}
            placeholder="auto, 1–100"
            onInput={(e) => set('q', e.currentTarget.value)}
          />
          <datalist id="quality-levels">
            <option value="auto">content-aware, good</option>
            <option value="auto:eco">content-aware, smaller</option>
            <option value="auto:best">content-aware, finer</option>
            <option value="60" />
            <option value="80" />
            <option value="90" />
          </datalist>
        </label>
        <label class="inline">
          <input type="checkbox" checked={state.progressive} onChange={(e) => set('progressive', e.currentTarget.checked)} /> Progressive
          JPEG
        </label>
      </Group>
      <Group legend="Effects">
        <label>
          Rotate
          <select name="a" value={state.a} onChange={(e) => set('a', e.currentTarget.value as BuilderState['a'])}>
            <option value="">none</option>
            <option value="90">90°</option>
            <option value="180">180°</option>
            <option value="270">270°</option>
          </select>
        </label>
        {text('blur', 'Blur sigma', '0.3–100', 'decimal')}
        <label class="inline">
          <input type="checkbox" checked={state.sharpen} onChange={(e) => set('sharpen', e.currentTarget.checked)} /> Sharpen
        </label>
        <label class="inline">
          <input type="checkbox" checked={state.grayscale} onChange={(e) => set('grayscale', e.currentTarget.checked)} /> Grayscale
        </label>
        {text('b', 'Background', 'rrggbb', 'text')}
      </Group>
      <Group legend="Watermark">
        <label>
          Watermark
          <select name="wm" value={state.wm} onChange={(e) => set('wm', e.currentTarget.value)}>
            <option value="">none</option>
            {watermarks.map((entry) => (
              <option key={entry.name} value={entry.name}>
                {entry.name}
              </option>
            ))}
          </select>
        </label>
        {state.wm && (
          <>
            <label>
              Position
              <select name="wmGravity" value={state.wmGravity} onChange={(e) => set('wmGravity', e.currentTarget.value)}>
                {WATERMARK_GRAVITIES.map((gravity) => (
                  <option key={gravity} value={gravity}>
                    {gravity}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Opacity %
              <input
                name="wmOpacity"
                inputMode="numeric"
                value={state.wmOpacity}
                onInput={(e) => set('wmOpacity', e.currentTarget.value)}
              />
            </label>
            <label>
              Scale % of width
              <input name="wmScale" inputMode="numeric" value={state.wmScale} onInput={(e) => set('wmScale', e.currentTarget.value)} />
            </label>
          </>
        )}
      </Group>
    </form>
  );
}

function Group({ legend, children }: { legend: string; children: ComponentChildren }) {
  return (
    <fieldset class="row">
      <legend>{legend}</legend>
      {children}
    </fieldset>
  );
}
