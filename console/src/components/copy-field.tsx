import { useRef, useState } from 'preact/hooks';

/** A read-only text to copy: the Copy button uses the clipboard, or selects the text where the page may not. */
export function CopyField({ label, value, rows = 1 }: { label: string; value: string; rows?: number }) {
  const field = useRef<HTMLTextAreaElement>(null);
  const [copied, setCopied] = useState(false);
  const id = `copy-${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      field.current?.select();
    }
  };
  return (
    <div class="copy-field">
      <label for={id}>{label}</label>
      <textarea id={id} ref={field} readOnly rows={rows} value={value} spellcheck={false} />
      <div class="row">
        <button type="button" onClick={() => void copy()}>
          Copy {label.toLowerCase()}
        </button>
        <span aria-live="polite">{copied && <span class="notice">Copied.</span>}</span>
      </div>
    </div>
  );
}
