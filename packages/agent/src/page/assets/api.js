/**
 * The local API as the page calls it: same origin, the HttpOnly cookie goes along by itself
 * (the page never sees the token). Every call ends in `{ ok: true, value }` or
 * `{ ok: false, status, code, message }`; a network failure is `code: "network"`.
 */

const timeoutMs = 8000;

export async function call(method, path, body) {
  let answer;
  try {
    answer = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return { ok: false, status: 0, code: 'network', message: String(error?.message ?? error) };
  }
  let json = null;
  try {
    json = await answer.json();
  } catch {
    // an empty or non-JSON answer: the status says enough
  }
  if (answer.ok) return { ok: true, status: answer.status, value: json };
  return {
    ok: false,
    status: answer.status,
    code: typeof json?.code === 'string' ? json.code : 'network',
    message: typeof json?.message === 'string' ? json.message : `HTTP ${answer.status}`,
    details: json?.details,
  };
}

export const api = {
  health: () => call('GET', '/v1/health'),
  login: (token) => call('POST', '/page/login', { token }),
  logout: () => call('POST', '/page/logout', {}),
  card: (code) => call('GET', `/v1/cards/${encodeURIComponent(code)}`),
  enrol: (code, body) => call('POST', `/v1/cards/${encodeURIComponent(code)}/enrol`, body),
  quote: (body) => call('POST', '/v1/quote', body),
  sale: (body) => call('POST', '/v1/sales', body),
  print: (receiptId, body) => call('POST', `/v1/sales/${encodeURIComponent(receiptId)}/print`, body),
  slip: (receiptId) => call('GET', `/v1/sales/${encodeURIComponent(receiptId)}/slip`),
  returnSale: (body) => call('POST', '/v1/returns', body),
  cancelSale: (receiptId, body) => call('POST', `/v1/sales/${encodeURIComponent(receiptId)}/cancel`, body),
  recentSales: () => call('GET', '/v1/sales/recent'),
  shift: () => call('GET', '/v1/shift'),
  identify: (body) => call('POST', '/v1/cards/identify', body),
  sendCode: (body) => call('POST', '/v1/cards/identify/code', body),
  verifyCode: (body) => call('POST', '/v1/cards/identify/verify', body),
};
