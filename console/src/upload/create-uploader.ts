import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import ImageEditor from '@uppy/image-editor';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';
import '@uppy/image-editor/css/style.min.css';
import './uploader.css';
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
    note: `Files over ${MULTIPART_THRESHOLD / 1024 / 1024} MiB go as resumable multipart uploads. The editor's output is re-encoded: EXIF and ICC profiles of an edited image are not kept.`,
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
    if (!file || inParts.has(file.id) || !(error instanceof UploadRejected) || error.problem.status !== 413) return;
    inParts.add(file.id);
    // After the other listeners have seen the refusal, so the retry is what they see last.
    setTimeout(() => void uppy.retryUpload(file.id).catch(() => undefined), 0);
  });
  markFileListAsList(target);
  return uppy;
}

/**
 * With a single file the Dashboard renders its item (role="listitem") in a plain div where many
 * files get a role="list" parent, which axe reports as a critical fault (aria-required-parent).
 * The missing role is added whenever that div appears; Preact keeps attributes it did not set.
 */
function markFileListAsList(target: HTMLElement): void {
  const mark = () => {
    for (const list of target.querySelectorAll('.uppy-Dashboard-files:not([role])')) list.setAttribute('role', 'list');
  };
  new MutationObserver(mark).observe(target, { childList: true, subtree: true });
  mark();
}
