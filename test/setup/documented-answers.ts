import { afterAll, expect } from 'vitest';
import { installAnswerRecorder, recordedAnswers } from '../helpers/recorded-answers.ts';

/**
 * A setup file of every node test file: what the file's requests to its origins answered must be
 * what the OpenAPI document says (a documented status and media type, a JSON body valid against its
 * schema). Requests to paths the document does not have (unknown routes) are left out.
 */
installAnswerRecorder();

afterAll(async () => {
  const answers = await recordedAnswers();
  if (answers.length === 0) return;
  const [{ openApiDocument }, { ResponseChecker }] = await Promise.all([
    import('../../origin/openapi/document.ts'),
    import('../helpers/openapi.ts'),
  ]);
  const checker = new ResponseChecker(openApiDocument());
  const wrong = answers
    .filter((answer) => checker.routeOf(answer.method, answer.path) !== undefined)
    .map((answer) => checker.check(answer))
    .filter((problem) => problem !== undefined);
  expect(wrong, 'answers that differ from the OpenAPI document (origin/openapi/operations.ts)').toEqual([]);
});
