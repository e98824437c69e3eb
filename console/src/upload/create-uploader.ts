import AwsS3 from '@uppy/aws-s3';
import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import ImageEditor from '@uppy/image-editor';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';
import '@uppy/image-editor/css/style.min.css';
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
  uppy.use(AwsS3<UploadMeta, UploadedBody>, { ...uploadHooks, limit: 4, retryDelays: [0, 1000, 3000, 5000] });
  return uppy;
}
