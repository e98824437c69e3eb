/** Not built yet: this view is listed in issue 17 and lands in a later step. */
export function ImageDetail() {
  return (
    <section>
      <h1>ImageDetail</h1>
      <p>This view is not built yet.</p>
    </section>
  );
}
