/**
 * The catalog: what pixelfront knows about images (SQL; SQLite by default, PostgreSQL to scale).
 * Every backend runs the same contract suite (origin/catalog/catalog.contract.ts).
 */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'gif' | 'tiff' | 'svg' | 'heic';

export type JsonObject = { [key: string]: unknown };

/** People's own metadata of an image, given at upload or by PATCH (origin/ingest/user-metadata.ts validates it). */
export interface UserMetadata {
  title: string | null;
  alt: string | null;
  /** Lower-case, unique, in the order given (SPEC section 8: tags are case-insensitive). */
  tags: string[];
  /** A JSON object of at most 4 KiB. */
  meta: JsonObject | null;
}

/** Camera facts read from EXIF (XMP as a fallback) at ingest; null members were absent. */
export interface ExifFacts {
  make: string | null;
  model: string | null;
  lens: string | null;
  /** ISO 8601 as the camera wrote it: with its offset when it recorded one, else without a zone. */
  takenAt: string | null;
  /** Seconds. */
  exposureTime: number | null;
  fNumber: number | null;
  iso: number | null;
  /** Millimetres. */
  focalLength: number | null;
  /** Only with KEEP_GPS=true; otherwise never stored. */
  gps: { latitude: number; longitude: number } | null;
}

/** Descriptive fields read from IPTC, XMP (dc:) or EXIF at ingest. */
export interface IptcFacts {
  caption: string | null;
  keywords: string[];
  creator: string | null;
  copyright: string | null;
}

/** What the uploaded file said about itself (migration 0009); null when it said nothing readable. */
export interface EmbeddedMetadata {
  exif: ExifFacts | null;
  iptc: IptcFacts | null;
}

/** What may change after upload; everything else is measured from the immutable bytes. */
export type EditableImageFields = UserMetadata & { filename: string | null };

export interface ImageRecord extends UserMetadata, EmbeddedMetadata {
  id: string;
  tenant: string;
  filename: string | null;
  format: ImageFormat;
  /** After EXIF orientation. */
  width: number;
  height: number;
  bytes: number;
  sha256: string;
  frames: number;
  hasAlpha: boolean;
  orientation: number | null;
  blurhash: string | null;
  dominantColor: string | null;
  /** 64-bit DCT hash as 16 hex digits (origin/similarity/perceptual-hash.ts); null for SVG and images not hashed yet. */
  perceptualHash: string | null;
  createdAt: Date;
}

/** An image within some Hamming distance of a perceptual hash. */
export interface SimilarImage {
  id: string;
  distance: number;
}

export interface SimilarOptions {
  /** 0…MAX_SIMILAR_DISTANCE (origin/similarity/hamming.ts). */
  maxDistance: number;
  /** The closest this many, nearest first (ties by id). */
  limit: number;
  /** Leaves out the image the hash is of. */
  excludeId?: string | undefined;
}

/** The orders of `GET /v1/images`: newest first (default), oldest first, largest first. */
export type ImageSort = '-createdAt' | 'createdAt' | '-bytes';

/** What `GET /v1/images` narrows the list by; every filter given must hold. */
export interface ImageFilters {
  sha256?: string | undefined;
  /** Words of filename, title, alt, IPTC caption and keywords; each query word a word prefix (catalog/search-text.ts). */
  q?: string | undefined;
  /** Lower-case tags the image must all carry. */
  tags?: readonly string[] | undefined;
  format?: ImageFormat | undefined;
  /** Upload time: createdFrom ≤ createdAt < createdBefore. */
  createdFrom?: Date | undefined;
  createdBefore?: Date | undefined;
  /** EXIF takenAt (a time without an offset read as UTC): takenFrom ≤ takenAt < takenBefore. */
  takenFrom?: Date | undefined;
  takenBefore?: Date | undefined;
  minWidth?: number | undefined;
  minHeight?: number | undefined;
}

export interface ListImagesOptions extends ImageFilters {
  limit: number;
  cursor?: string | undefined;
  /** Default `-createdAt`; a cursor is valid only with the sort it was made by. */
  sort?: ImageSort | undefined;
}

export interface ImagePage {
  items: ImageRecord[];
  /** Opaque cursor for the next page, null on the last one. */
  next: string | null;
}

export interface Catalog {
  /**
   * Inserts the image unless the tenant already has one with the same sha256; then returns the
   * existing record and `inserted: false` (the caller deletes any object it wrote).
   */
  insertImage(image: ImageRecord): Promise<{ image: ImageRecord; inserted: boolean }>;
  /** By id, only within the tenant (another tenant's image is null). */
  getImage(tenant: string, id: string): Promise<ImageRecord | null>;
  /** By id across tenants: public delivery URLs carry no tenant. */
  getImageById(id: string): Promise<ImageRecord | null>;
  findBySha256(tenant: string, sha256: string): Promise<ImageRecord | null>;
  /**
   * One page in `sort` order (newest first by default), filtered. limit 1…1000. A malformed cursor,
   * a cursor of another sort or a `q` without words throws PixelfrontError invalid_request.
   * `sha256` (lower-case hex) keeps only the image with those bytes: at most one per tenant.
   */
  listImages(tenant: string, options: ListImagesOptions): Promise<ImagePage>;
  /** Replaces the given editable fields; null when the tenant has no such image. */
  updateImage(tenant: string, id: string, changes: Partial<EditableImageFields>): Promise<ImageRecord | null>;
  /**
   * The tenant's images whose perceptual hash is within maxDistance bits of `hash`, nearest first.
   * Answered from the band indexes, never a scan of the tenant's rows.
   */
  findSimilar(tenant: string, hash: string, options: SimilarOptions): Promise<SimilarImage[]>;
  /** Raster images stored without a perceptual hash (before migration 0011), oldest id order after `afterId`. */
  listUnhashed(limit: number, afterId?: string): Promise<ImageRecord[]>;
  /** Records the perceptual hash of an image that has none; false when there is no such image. */
  setPerceptualHash(id: string, hash: string): Promise<boolean>;
  /** true when a row was deleted. */
  deleteImage(tenant: string, id: string): Promise<boolean>;
  /** Throws when the database cannot be reached (used by /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
