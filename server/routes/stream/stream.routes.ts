import { createRoute, z } from '@hono/zod-openapi';
import { errorBody, errorResponses } from '../../lib/errors.ts';
import { readers } from '../../middlewares/auth.ts';
import { SUBSCRIPTION_LIMITS } from '../../live/stream-session.ts';
import { pointList } from '../latest/latest.routes.ts';

const deviceList = z.string().min(1).max(20_000)
  .transform((s) => [...new Set(s.split(',').map((k) => k.trim()).filter(Boolean))])
  .pipe(z.array(z.string().min(1).max(128)).min(1).max(SUBSCRIPTION_LIMITS.devices))
  .openapi({ description: `comma-separated device names, at most ${SUBSCRIPTION_LIMITS.devices}`, example: 'ups-1,pdu-a1' });

const locationList = z.string().min(1).max(8_000)
  .transform((s) => [...new Set(s.split(',').map((k) => k.trim()).filter(Boolean))])
  .pipe(z.array(z.string().min(1).max(128)).min(1).max(SUBSCRIPTION_LIMITS.locations))
  .openapi({ description: `comma-separated locations, each a CMDB CI key, id or name (a room, row, rack, …: the collector devices of it and of every CI located below it), at most ${SUBSCRIPTION_LIMITS.locations}`, example: 'r1,r1-a01' });

export const streamRoute = createRoute({
  method: 'get', path: '/api/v1/stream', tags: ['samples'],
  summary: 'Live samples and events as Server-Sent Events (one multiplexed stream per client)',
  description: 'Events: `ready` with `{stream, all, subscribed: {points, devices, locations}, resumed}` first; '
    + '`samples` with `{items: [{point, ts, value, quality}]}` as batches are committed (on any replica); '
    + '`event` with `{items: [{eventId, device, ts, source, name, severity, message, attributes}]}` for committed '
    + 'events (SNMP traps, informs); `notice` with `{code, message}` when the client missed data (`gap`: resumed '
    + 'outside the replay window or on another replica, refetch history; `samples_coalesced`: the client read too '
    + 'slowly and got only the newest sample of each point; `events_dropped`); `ping` every 15 s. '
    + 'Subscribe with any of `points`, `device`, `location` (several of each, comma-separated; a sample matches '
    + 'when any of them does); no filter = everything. A location means every device placed at or below it, '
    + 'refreshed every 10 s. Change the subscription of an open stream with '
    + '`POST /api/v1/stream/{id}/subscriptions`. Each message carries an id; reconnecting with `Last-Event-ID` '
    + 'to the same server replays what was missed within the last 60 s (or 20,000 items).',
  middleware: [readers] as const,
  request: {
    query: z.object({ points: pointList.optional(), device: deviceList.optional(), location: locationList.optional() }),
    headers: z.object({ 'last-event-id': z.string().max(200).optional().openapi({ description: 'id of the last message received, to resume' }) }),
  },
  responses: {
    200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: z.string() } } },
    ...errorResponses,
    404: { description: 'Unknown location', content: { 'application/json': { schema: errorBody } } },
  },
});

const locationRef = z.union([z.number().int().positive(), z.string().min(1).max(128)]).openapi({ description: 'location id or name' });

const subscriptionChange = z.object({
  points: z.array(z.string().min(1).max(257)).max(SUBSCRIPTION_LIMITS.points).optional(),
  devices: z.array(z.string().min(1).max(128)).max(SUBSCRIPTION_LIMITS.devices).optional(),
  locations: z.array(locationRef).max(SUBSCRIPTION_LIMITS.locations).optional(),
}).strict();

export const streamSubscription = z.object({
  stream: z.string(),
  all: z.boolean().openapi({ description: 'the stream receives everything, whatever else it is subscribed to' }),
  subscribed: z.object({ points: z.array(z.string()), devices: z.array(z.string()), locations: z.array(z.number().int()) }),
}).openapi('StreamSubscription');

export const changeSubscriptionsRoute = createRoute({
  method: 'post', path: '/api/v1/stream/{id}/subscriptions', tags: ['samples'],
  summary: 'Change what an open live stream is subscribed to, without reconnecting',
  description: 'Only the principal that opened the stream may change it, on the server replica that holds it '
    + '(`id` is the `stream` of its `ready` event). Locations are ids or names (reported back as ids). `remove` is applied before `add`; `all: false` turns off '
    + '"everything" for a stream opened without a filter.',
  middleware: [readers] as const,
  request: {
    params: z.object({ id: z.string().min(1).max(64) }),
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ add: subscriptionChange.optional(), remove: subscriptionChange.optional(), all: z.boolean().optional() }).strict() } },
    },
  },
  responses: {
    200: { description: 'The subscription now in effect', content: { 'application/json': { schema: streamSubscription } } },
    ...errorResponses,
    404: { description: 'No such open stream of this principal on this replica, or an unknown location', content: { 'application/json': { schema: errorBody } } },
  },
});
