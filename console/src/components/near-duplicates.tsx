/** Near-duplicates of an image: shown once the service answers GET /v1/images/:id/similar. */
export function NearDuplicates(_props: { id: string }) {
  return null;
}
