import { StoredPartsMultipart } from './stored-parts-multipart.ts';
import type { MultipartStorage } from './multipart-types.ts';
import type { ObjectStorage } from './types.ts';

export type { MultipartStorage, PartReceipt, PartRef } from './multipart-types.ts';

/** A backend with a native multipart upload (S3Storage) offers it through this method. */
interface NativeMultipart {
  multipart(): MultipartStorage;
}

function hasNativeMultipart(storage: ObjectStorage): storage is ObjectStorage & NativeMultipart {
  return typeof (storage as Partial<NativeMultipart>).multipart === 'function';
}

/** The multipart upload of a storage: its native one, else parts stored as objects. */
export function multipartFor(storage: ObjectStorage): MultipartStorage {
  return hasNativeMultipart(storage) ? storage.multipart() : new StoredPartsMultipart(storage);
}

export { normalizeEtag } from './etags.ts';
