import '../views.css';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { answer, client, messageOf } from '../api.ts';
import { BuilderForm } from '../components/builder-form.tsx';
import { BuilderOutput } from '../components/builder-output.tsx';
import { FocalPicker } from '../components/focal-picker.tsx';
import { emptyBuilder, opsOf, type BuilderState } from '../builder.ts';
import { canonical, grammarContext } from '../grammar.ts';
import { useSignedPaths } from '../signed.ts';
import type { ImageObject, Preset, WatermarkEntry } from '../types.ts';
import { imagePath } from '../urls.ts';

/** How long the form must rest before the preview asks for a new render. */
const PREVIEW_DELAY_MS = 350;

/**
 * The URL builder: a form of ops over one image, checked and canonicalised in the page by core's
 * grammar as it is typed; a live preview of the variant; the URL and snippets to copy.
 */
export function UrlBuilder() {
  const { params } = useRoute();
  const { query, route } = useLocation();
  const id = params['id'];
  const [image, setImage] = useState<ImageObject>();
  const [choices, setChoices] = useState<ImageObject[]>();
  const [presets, setPresets] = useState<Preset[]>([]);
  const [watermarks, setWatermarks] = useState<WatermarkEntry[]>([]);
  const [error, setError] = useState<string>();
  const [state, setState] = useState<BuilderState>(() => ({ ...emptyBuilder, preset: query['preset'] ?? '' }));

  useEffect(() => {
    answer(client.GET('/v1/presets')).then(
      (list) => setPresets(list.items),
      (failure: unknown) => setError(messageOf(failure)),
    );
    answer(client.GET('/v1/watermarks', { params: { query: { limit: '1000' } } })).then(
      (page) => setWatermarks(page.items),
      () => setWatermarks([]),
    );
  }, []);
  useEffect(() => {
    setImage(undefined);
    if (id)
      answer(client.GET('/v1/images/{id}', { params: { path: { id } } })).then(setImage, (failure: unknown) =>
        setError(messageOf(failure)),
      );
    else
      answer(client.GET('/v1/images', { params: { query: { limit: '50' } } })).then(
        (page) => setChoices(page.items),
        (failure: unknown) => setError(messageOf(failure)),
      );
  }, [id]);

  const context = useMemo(() => grammarContext(presets), [presets]);
  const ops = opsOf(state);
  const result = canonical(ops, context);

  return (
    <section aria-labelledby="builder-title">
      <h1 id="builder-title">URL builder</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <ImageChoice
        image={image}
        choices={choices}
        onChoose={(chosen) => route(`/console/build/${chosen}${state.preset ? `?preset=${state.preset}` : ''}`)}
      />
      {image && (
        <div class="split builder">
          <div class="stack">
            <BuilderForm state={state} onChange={setState} presets={presets} watermarks={watermarks} />
            <p>
              Ops as written: <code>{ops || '(none: the original)'}</code>
            </p>
            {!result.ok && (
              <p class="error" role="alert">
                {result.error}
              </p>
            )}
          </div>
          <Workbench
            image={image}
            state={state}
            setState={setState}
            canonicalOps={result.ok ? result.canonical : undefined}
            spec={result.ok ? result.spec : undefined}
          />
        </div>
      )}
    </section>
  );
}

function ImageChoice({
  image,
  choices,
  onChoose,
}: {
  image?: ImageObject | undefined;
  choices?: ImageObject[] | undefined;
  onChoose: (id: string) => void;
}) {
  if (image)
    return (
      <p>
        Image: <a href={`/console/images/${image.id}`}>{image.title || image.filename || image.id}</a> ({image.width} × {image.height},{' '}
        {image.format}) · <a href="/console/build">choose another</a>
      </p>
    );
  if (!choices) return <p aria-busy="true">Loading…</p>;
  if (choices.length === 0)
    return (
      <p class="empty">
        No images yet. <a href="/console/upload">Upload one</a> to build its URLs.
      </p>
    );
  return (
    <label>
      Image
      <select onChange={(e) => e.currentTarget.value && onChoose(e.currentTarget.value)} name="image">
        <option value="">choose an image…</option>
        {choices.map((choice) => (
          <option key={choice.id} value={choice.id}>
            {choice.title || choice.filename || choice.id}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The source to click for a focal point, and the debounced preview with its outputs. */
function Workbench({
  image,
  state,
  setState,
  canonicalOps,
  spec,
}: {
  image: ImageObject;
  state: BuilderState;
  setState: (state: BuilderState) => void;
  canonicalOps: string | undefined;
  spec: import('../grammar.ts').TransformSpec | undefined;
}) {
  const [committed, setCommitted] = useState(canonicalOps);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => {
    if (canonicalOps === undefined) return;
    clearTimeout(timer.current);
    timer.current = setTimeout(() => setCommitted(canonicalOps), PREVIEW_DELAY_MS);
    return () => clearTimeout(timer.current);
  }, [canonicalOps]);

  const sourcePath = imagePath(image.id, 'w_640,f_auto');
  const source = useSignedPaths([sourcePath]).loadFor(sourcePath);
  return (
    <div class="stack">
      <h2>Source</h2>
      <FocalPicker
        src={source}
        alt={image.alt || image.title || image.filename || 'the source image'}
        point={state.fp}
        onPick={(fp) => setState({ ...state, fp, g: '', c: state.c === '' || state.c === 'fit' ? 'fill' : state.c })}
      />
      {committed !== undefined && spec && <BuilderOutput image={image} canonicalOps={committed} />}
    </div>
  );
}
