// The REST API as the dashboard uses it: JSON, snake_case, problem details on errors, and the API token (if the
// server asks for one) sent as a bearer header. The token lives in sessionStorage: it is gone when the tab closes.

const TOKEN_KEY = 'kron.token';

/** An API call that did not answer 2xx; `status` 0 means the node could not be reached. */
export class ApiError extends Error {
  constructor(status, problem, path) {
    super(problem?.detail || problem?.title || (status ? `HTTP ${status}` : 'the node did not answer'));
    this.status = status;
    this.problem = problem;
    this.path = path;
  }
}

export const auth = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value) {
    if (value) {
      sessionStorage.setItem(TOKEN_KEY, value);
    } else {
      sessionStorage.removeItem(TOKEN_KEY);
    }
    document.dispatchEvent(new CustomEvent('kron:token-changed'));
  },
};

/**
 * Calls the API. `path` is relative to the page ("v1/jobs"), so the dashboard also works behind a proxy prefix.
 * A 401 raises the `kron:auth-required` event (the shell shows the sign-in form) and throws.
 */
export async function api(path, { method = 'GET', body, signal } = {}) {
  const headers = { accept: 'application/json' };
  const token = auth.token;
  if (token) {
    headers.authorization = `Bearer ${token}`;
  }
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
  }

  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch (error) {
    if (error.name === 'AbortError') {
      throw error;
    }
    throw new ApiError(0, null, path);
  }

  const text = await response.text();
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }

  if (response.status === 401) {
    document.dispatchEvent(new CustomEvent('kron:auth-required', { detail: { hadToken: Boolean(token) } }));
  }
  if (!response.ok) {
    throw new ApiError(response.status, json, path);
  }
  return json;
}

/** Builds "v1/x?a=1&b=2", leaving out empty values. */
export function query(path, params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') {
      search.set(name, String(value));
    }
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}

/** Reads up to `max` items of a list endpoint, following next_cursor. Answers { items, truncated }. */
export async function listAll(path, params, max, signal) {
  const items = [];
  let cursor;
  do {
    const limit = Math.min(500, max - items.length);
    const page = await api(query(path, { ...params, cursor, limit }), { signal });
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return { items, truncated: Boolean(cursor) };
}

const jobs = new Map();

/** A job by id, cached for the names shown next to runs; null when it was deleted. */
export function jobById(id) {
  if (!jobs.has(id)) {
    const pending = api(`v1/jobs/${encodeURIComponent(id)}`).catch((error) => {
      if (error.status === 404) {
        return null;
      }
      jobs.delete(id);
      throw error;
    });
    jobs.set(id, pending);
  }
  return jobs.get(id);
}

/** Puts jobs just read from a list into the cache. */
export function rememberJobs(list) {
  for (const job of list) {
    jobs.set(job.id, Promise.resolve(job));
  }
}
