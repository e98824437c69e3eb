import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { fail } from '../../core/errors.ts';
import { normalizeEtag } from './etags.ts';
import { isS3Error, statusOf, storageFailure } from './s3-errors.ts';
import type { MultipartStorage, PartReceipt, PartRef } from './multipart-types.ts';
import type { ObjectInfo, PutOptions } from './types.ts';

/**
 * S3's own multipart upload (CreateMultipartUpload / UploadPart / CompleteMultipartUpload /
 * AbortMultipartUpload): parts go straight to the bucket, completion is atomic on the server.
 * Built by S3Storage.multipart(), which supplies its client and key prefixing.
 */
export class S3Multipart implements MultipartStorage {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly objectKey: (key: string) => string,
  ) {}

  async create(key: string, options: PutOptions = {}): Promise<string> {
    const response = await this.call(
      key,
      this.client.send(
        new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.objectKey(key), ContentType: options.contentType }),
      ),
    );
    if (response.UploadId === undefined) throw fail('bad_gateway', `object storage returned no upload id for ${key}`);
    return response.UploadId;
  }

  async uploadPart(key: string, uploadId: string, partNumber: number, body: Readable, size: number): Promise<PartReceipt> {
    const command = new UploadPartCommand({
      Bucket: this.bucket,
      Key: this.objectKey(key),
      UploadId: uploadId,
      PartNumber: partNumber,
      Body: body,
      ContentLength: size,
    });
    let sourceError: Error | undefined;
    body.once('error', (error) => (sourceError = error));
    let etag: string | undefined;
    try {
      etag = (await this.client.send(command)).ETag;
    } catch (error) {
      body.destroy();
      // The body's own failure (a size limit, a client that went away) is the real cause.
      if (sourceError !== undefined) throw sourceError;
      if (isS3Error(error, 'NoSuchUpload')) throw fail('conflict', `the multipart upload of ${key} no longer exists`, { cause: error });
      throw storageFailure(key, error);
    }
    if (etag === undefined) throw fail('bad_gateway', `object storage returned no ETag for part ${partNumber} of ${key}`);
    return { partNumber, etag: normalizeEtag(etag), size };
  }

  async complete(key: string, uploadId: string, parts: readonly PartRef[]): Promise<ObjectInfo> {
    const Parts = parts.map((part) => ({ PartNumber: part.partNumber, ETag: `"${normalizeEtag(part.etag)}"` }));
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          UploadId: uploadId,
          MultipartUpload: { Parts },
        }),
      );
    } catch (error) {
      if (isS3Error(error, 'InvalidPart', 'InvalidPartOrder', 'EntityTooSmall')) {
        throw fail('invalid_request', `object storage refused the parts (${(error as Error).name}: ${(error as Error).message})`, {
          cause: error,
        });
      }
      if (isS3Error(error, 'NoSuchUpload')) throw fail('conflict', `the multipart upload of ${key} no longer exists`, { cause: error });
      throw storageFailure(key, error);
    }
    const head = await this.call(key, this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) })));
    return { key, size: head.ContentLength ?? 0, lastModified: head.LastModified ?? new Date(), contentType: head.ContentType };
  }

  async abort(key: string, uploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.objectKey(key), UploadId: uploadId }));
    } catch (error) {
      if (isS3Error(error, 'NoSuchUpload')) return;
      // Some S3-compatible servers (s3rver) do not implement aborting: their parts stay until the
      // bucket's lifecycle rule for incomplete uploads removes them. The upload is over for us either way.
      if (isS3Error(error, 'NotImplemented', 'MethodNotAllowed') || statusOf(error) === 405 || statusOf(error) === 501) return;
      throw storageFailure(key, error);
    }
  }

  private async call<T>(key: string, request: Promise<T>): Promise<T> {
    try {
      return await request;
    } catch (error) {
      throw storageFailure(key, error);
    }
  }
}
