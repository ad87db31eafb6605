/**
 * Typed client for the Kiban API. Authentication is the HttpOnly session cookie the server sets on
 * POST /api/v1/session, so every call is same-origin with `credentials: 'same-origin'`.
 */
import type {
  ApiErrorBody, Device, ListResponse, LatestSample, Point, SeriesResponse, SessionUser,
} from './types.ts';

export const API_BASE = '/api/v1';

/** What a live stream carries: samples of these points, of these devices, or of devices at/below these locations (CI keys). */
export interface StreamFilter {
  points?: readonly string[];
  devices?: readonly string[];
  locations?: readonly string[];
}

/** An error answered by the API (`{error: {code, message, details?}}`) or by the network. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get isUnauthorized(): boolean {
    return this.status === 401;
  }
}

type QueryValue = string | number | undefined;

interface RequestOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** Do not report a 401 to the unauthorized listener (the session probe expects it). */
  expectUnauthorized?: boolean;
  signal?: AbortSignal;
}

let unauthorizedListener: (() => void) | undefined;

/** Called whenever an API call answers 401, e.g. because the session expired on the server. */
export function onUnauthorized(listener: () => void): void {
  unauthorizedListener = listener;
}

export function apiUrl(path: string, query?: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined) params.set(name, String(value));
  }
  const search = params.toString();
  return `${API_BASE}${path}${search ? `?${search}` : ''}`;
}

function isApiErrorBody(body: unknown): body is ApiErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error = (body as { error: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string';
}

/** One API call: JSON in and out, errors as ApiError, a 401 reported to the session store. */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';

  let response: Response;
  try {
    response = await fetch(apiUrl(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError(0, 'network_error', cause instanceof Error ? cause.message : String(cause));
  }

  if (response.status === 204) return undefined as T;

  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }

  if (!response.ok) {
    if (response.status === 401 && !options.expectUnauthorized) unauthorizedListener?.();
    if (isApiErrorBody(body)) {
      throw new ApiError(response.status, body.error.code, body.error.message, body.error.details);
    }
    throw new ApiError(response.status, 'http_error', `${response.status} ${response.statusText}`.trim());
  }
  if (body === undefined) throw new ApiError(response.status, 'bad_response', 'expected a JSON body');
  return body as T;
}

/** Joins point keys for `?points=`; keys never contain commas (see the point key grammar). */
function pointList(keys: readonly string[]): string {
  return keys.join(',');
}

export const api = {
  getSession: () => request<SessionUser>('GET', '/session', { expectUnauthorized: true }),
  signIn: (token: string) => request<SessionUser>('POST', '/session', { body: { token }, expectUnauthorized: true }),
  signOut: () => request<void>('DELETE', '/session'),

  listDevices: (signal?: AbortSignal) => request<ListResponse<Device>>('GET', '/devices', { signal }),
  listPoints: (device: string, signal?: AbortSignal) =>
    request<ListResponse<Point>>('GET', '/points', { query: { device }, signal }),
  latest: (points: readonly string[], signal?: AbortSignal) =>
    request<ListResponse<LatestSample>>('GET', '/latest', { query: { points: pointList(points) }, signal }),
  series: (points: readonly string[], range: { from: Date; to: Date; widthPx: number }, signal?: AbortSignal) =>
    request<SeriesResponse>('GET', '/series', {
      query: {
        points: pointList(points),
        from: range.from.toISOString(),
        to: range.to.toISOString(),
        width: Math.max(1, Math.round(range.widthPx)),
      },
      signal,
    }),

  /** URL of the multiplexed SSE stream for these points (the cookie authenticates the EventSource). */
  streamUrl: (filter: readonly string[] | StreamFilter) => {
    const f: StreamFilter = Array.isArray(filter) ? { points: filter as readonly string[] } : filter as StreamFilter;
    return apiUrl('/stream', {
      points: f.points?.length ? pointList(f.points) : undefined,
      device: f.devices?.length ? f.devices.join(',') : undefined,
      location: f.locations?.length ? f.locations.join(',') : undefined,
    });
  },
};
