import type { ServerResponse } from 'node:http';

/** After a refusal, how long the client may keep sending (discarded) before the socket is destroyed. */
const LINGER_AFTER_REFUSAL_MS = 1_000;

/**
 * Ends the connection after a refusal. Node destroys a `Connection: close` socket as soon as the response is
 * flushed; with request bytes still unread, the kernel then answers with a reset that can wipe the response
 * from the client's buffer before it is read, so a client mid-upload would see "connection reset" instead of
 * its 401. So: half-close, discard whatever still arrives for a moment, then destroy (a lingering close).
 */
export function closeAfterRefusal(res: ServerResponse): void {
  res.setHeader('Connection', 'close');
  // Taken now: by the time the response finishes, Node has detached it from the response.
  const socket = res.socket;
  res.once('finish', () => {
    if (socket === null || socket.destroyed) return;
    // Node's destroySoon() registered exactly this function as a 'finish' listener; it is removed, not called.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    socket.off('finish', socket.destroy);
    const linger = setTimeout(() => socket.destroy(), LINGER_AFTER_REFUSAL_MS);
    linger.unref();
    socket.once('close', () => {
      clearTimeout(linger);
    });
    socket.end();
  });
}
