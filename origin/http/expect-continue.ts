import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/**
 * `Expect: 100-continue` (RFC 9110 section 10.1.1). Without a 'checkContinue' handler Node sends
 * `100 Continue` as soon as the headers arrive, so a client declaring a body over the limit, or
 * sending no credentials, is told to send it and is refused only afterwards. Here the interim
 * response waits until the app first reads the body: a request the app refuses before reading
 * (413 for a declared length over the limit, 401, 400) gets its final answer and no `100`, and
 * the client need not send the body at all.
 */
export function continueWhenBodyIsRead(handle: RequestListener): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    // _read is the hook a Readable calls when its consumer first wants data (a 'data' listener,
    // a web-stream reader, a pipe); nothing is asked of the socket before it.
    const read = request._read.bind(request);
    let asked = false;
    request._read = (size: number) => {
      if (!asked) {
        asked = true;
        // After a final response Node drains the unread body: no interim response then.
        if (!response.headersSent) response.writeContinue();
      }
      read(size);
    };
    handle(request, response);
  };
}
