/**
 * Realtime subscribers over the plain WebSocket (/ws): each VU holds one connection subscribed
 * to the executions of every market under test, answers Ping with Pong, and measures how long
 * after an order's time (the Execution's `timestamp`, the moment the api node accepted the
 * command) its Execution arrives. Run it alongside orders.ts so there is something to push.
 *
 *   k6 run -e XT_WS_URL=ws://127.0.0.1:8080/ws -e XT_SUBSCRIBERS=500 -e XT_DURATION=60s infra/k6/ws-subscribers.ts
 */
import { check } from 'k6';
import ws from 'k6/ws';
import { Counter, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { DURATION, loadPairMarkets, WS_URL } from './scenario.ts';

const SUBSCRIBERS = Number(__ENV.XT_SUBSCRIBERS || 100);
/** How long one connection is held before it reconnects (XT_HOLD_MS, default the whole run). */
const HOLD_MS = Number(__ENV.XT_HOLD_MS || 3_600_000);

const pushDelay = new Trend('xt_push_delay_ms', true);
const executions = new Counter('xt_executions_received');
const wsErrors = new Counter('xt_ws_errors');

export const options: Options = {
  scenarios: {
    subscribers: { executor: 'constant-vus', vus: SUBSCRIBERS, duration: DURATION, gracefulStop: '5s' },
  },
  thresholds: {
    xt_ws_errors: ['count==0'],
    xt_push_delay_ms: ['p(99)<=20'],
    ws_connecting: ['p(99)<1000'],
    checks: ['rate==1'],
  },
};

export function setup(): { symbols: string[] } {
  return { symbols: loadPairMarkets().map((m) => m.symbol) };
}

export default function (data: { symbols: string[] }): void {
  const res = ws.connect(WS_URL, {}, (socket) => {
    socket.on('open', () => {
      socket.send(JSON.stringify({ type: 'Subscribe', channels: ['executions'], symbols: data.symbols }));
    });
    socket.on('message', (raw) => {
      const msg = JSON.parse(raw) as { type: string; timestamp?: number; code?: string };
      switch (msg.type) {
        case 'Execution':
          executions.add(1);
          if (typeof msg.timestamp === 'number') pushDelay.add(Date.now() - msg.timestamp);
          break;
        case 'Ping':
          socket.send(JSON.stringify({ type: 'Pong', timestamp: msg.timestamp ?? Date.now() }));
          break;
        case 'Error':
          wsErrors.add(1, { code: msg.code ?? 'unknown' });
          break;
        default:
          break;
      }
    });
    socket.on('error', () => wsErrors.add(1, { code: 'socket' }));
    socket.setTimeout(() => socket.close(), HOLD_MS);
  });
  check(res, { 'upgraded to WebSocket (101)': (r) => !!r && r.status === 101 });
}
