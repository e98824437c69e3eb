import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import ImageEditor from '@uppy/image-editor';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';
import '@uppy/image-editor/css/style.min.css';
import './uploader.css';
import { ApiError } from '../api.ts';
import { UploadRejected } from './send-bytes.ts';
import { MULTIPART_THRESHOLD, uploadHooks, type UploadedBody, type UploadMeta } from './upload-hooks.ts';

/**
 * The upload widget: Uppy's Dashboard (drop or pick many files, per-file and total progress,
 * pause/resume, retry), its image editor (crop, rotate, flip before upload) and @uppy/aws-s3 with
 * hooks onto the service's API. This module and Uppy are loaded only when the Upload view opens,
 * so the first view's JavaScript does not carry them.
 */

export type Uploader = Uppy<UploadMeta, UploadedBody>;

/** What the Dashboard accepts: the formats the service ingests (it checks the bytes again). */
const ACCEPTED = ['image/*', '.jpg', '.jpeg', '.png', '.webp', '.avif', '.gif', '.tif', '.tiff', '.svg', '.svgz', '.heic', '.heif'];

export function createUploader(target: HTMLElement): Uploader {
  const uppy = new Uppy<UploadMeta, UploadedBody>({
    id: 'pixelfront-upload',
    autoProceed: false,
    restrictions: { allowedFileTypes: ACCEPTED },
  });
  uppy.use(Dashboard<UploadMeta, UploadedBody>, {
    inline: true,
    target,
    width: '100%',
    height: 460,
    theme: 'auto',
    proudlyDisplayPoweredByUppy: false,
    note: `Files over ${MULTIPART_THRESHOLD / 1024 / 1024} MiB go as resumable multipart uploads. Files the service refuses are listed below the uploader. The editor's output is re-encoded: EXIF and ICC profiles of an edited image are not kept.`,
    metaFields: [
      { id: 'title', name: 'Title', placeholder: 'Harbour at dawn' },
      { id: 'alt', name: 'Alt text', placeholder: 'What the image shows, for people who cannot see it' },
      { id: 'tags', name: 'Tags', placeholder: 'comma-separated: sea, dawn' },
    ],
    doneButtonHandler: null,
  });
  // Offered for the formats the browser decodes (JPEG, PNG, GIF, WebP, BMP), as the plugin decides.
  // The Dashboard instance is the target: its class is, but Uppy's types do not accept it as one.
  const dashboard = uppy.getPlugin('Dashboard');
  if (dashboard) uppy.use(ImageEditor<UploadMeta, UploadedBody>, { target: dashboard, quality: 0.9 });
  // A service whose MAX_UPLOAD_BYTES is below the multipart threshold answers a mid-sized single
  // upload 413; such a file is sent again at once, in parts (one part is enough for a small one).
  const inParts = new Set<string>();
  uppy.use(AwsS3<UploadMeta, UploadedBody>, {
    ...uploadHooks,
    shouldUseMultipart: (file) => inParts.has(file.id) || uploadHooks.shouldUseMultipart(file),
    limit: 4,
    retryDelays: [0, 1000, 3000, 5000],
  });
  uppy.on('upload-error', (file, error) => {
    const status = statusOf(error);
    if (!file || status === undefined) return;
    // Both after the other listeners have seen the refusal (the view lists it with its detail).
    if (status === 413 && !inParts.has(file.id)) {
      inParts.add(file.id);
      setTimeout(() => void uppy.retryUpload(file.id).catch(() => undefined), 0);
    } else if (isFinal(status)) {
      // Sending it again would be refused again; while it stayed, the Dashboard would take no new
      // upload. Uppy keeps its overall error after the file is gone, so that is cleared too.
      setTimeout(() => {
        uppy.removeFile(file.id);
        if (!uppy.getFiles().some((other) => other.error)) uppy.setState({ error: null });
      }, 0);
    }
  });
  repairFileList(target);
  return uppy;
}

/** The status a refusal came with; undefined when there was no answer (the network). */
function statusOf(error: unknown): number | undefined {
  if (error instanceof UploadRejected) return error.problem.status;
  if (error instanceof ApiError) return error.status;
  return undefined;
}

/**
 * A refusal of the file itself (415, 422, 409, 413 in parts, 400): final. No answer, 5xx, 408 and
 * 429 are passing troubles: the file stays, with Uppy's Retry. A 401 ends the session (the app
 * shows the sign-in).
 */
function isFinal(status: number): boolean {
  return status >= 400 && status < 500 && status !== 401 && status !== 408 && status !== 429;
}

/**
 * Two faults of the Dashboard's file list that axe reports: with a single file its item
 * (role="listitem") sits in a plain div where many files get a role="list" parent
 * (aria-required-parent, critical), and the list scrolls once the files overflow it but cannot
 * take the focus, so it cannot be scrolled with the keyboard when its items show no button
 * (scrollable-region-focusable, serious). Both are added whenever the list appears; Preact keeps
 * attributes it did not set itself.
 */
function repairFileList(target: HTMLElement): void {
  const repair = () => {
    for (const list of target.querySelectorAll('.uppy-Dashboard-files')) {
      if (!list.hasAttribute('role')) list.setAttribute('role', 'list');
      if (!list.hasAttribute('tabindex')) list.setAttribute('tabindex', '0');
      if (!list.hasAttribute('aria-label')) list.setAttribute('aria-label', 'Files to upload');
    }
  };
  new MutationObserver(repair).observe(target, { childList: true, subtree: true });
  repair();
}
