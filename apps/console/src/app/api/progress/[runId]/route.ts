import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { cookies } from 'next/headers';
import WebSocket from 'ws';
import type { RunDetailProgressSubscription } from '@/gql/graphql';
import { API_URL, KEY_COOKIE } from '@/lib/config';
import { RUN_PROGRESS } from '@/lib/runProgress';

export const dynamic = 'force-dynamic';

const QUERY = print(RUN_PROGRESS);

/**
 * Live progress of a run as Server-Sent Events: the console subscribes to the API's
 * `runProgress` over graphql-ws with the signed-in key and forwards each event as one `data:`
 * line; the stream ends when the run does (or the browser goes away).
 */
export async function GET(
  req: Request,
  { params }: { params: Promise<{ runId: string }> },
): Promise<Response> {
  const { runId } = await params;
  const key = (await cookies()).get(KEY_COOKIE)?.value;
  if (!key) return new Response('sign in first', { status: 401 });
  const client = createClient({
    url: `${API_URL.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    lazy: true,
    retryAttempts: 0,
  });
  const encoder = new TextEncoder();
  let unsubscribe = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (event: string, data: unknown) => {
        try {
          controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        } catch {
          // the browser went away
        }
      };
      const close = () => {
        try {
          controller.close();
        } catch {
          // already closed
        }
        void client.dispose();
      };
      unsubscribe = client.subscribe<RunDetailProgressSubscription>(
        { query: QUERY, variables: { runId } },
        {
          next: (msg) => {
            if (msg.errors) send('error', msg.errors);
            else if (msg.data) send('progress', msg.data.runProgress);
          },
          error: (err) => {
            send('error', [
              { message: err instanceof Error ? err.message : 'subscription failed' },
            ]);
            close();
          },
          complete: () => {
            send('end', {});
            close();
          },
        },
      );
      req.signal.addEventListener('abort', () => {
        unsubscribe();
        close();
      });
    },
    cancel() {
      unsubscribe();
      void client.dispose();
    },
  });
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
    },
  });
}
