/**
 * Tills send their secret on every sync request, so head office is reached over HTTPS. Plain
 * `http://` passes only to a loopback address (a hub or a TLS proxy on this machine) or when
 * `headOffice.allowPlainHttp` says so, for a lab. Pure; the config schema and doctor use it.
 */
export function plainHttpProblem(url: string, allowPlainHttp: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined; // the URL check itself reports it
  }
  if (parsed.protocol !== 'http:' || allowPlainHttp || isLoopbackHost(parsed.hostname)) return undefined;
  return `${url} is plain HTTP: the till's secret and every sale would cross the network unencrypted. Use https://, or, in a lab only, set headOffice.allowPlainHttp: true`;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
