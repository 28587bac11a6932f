import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { TillpointError } from '@tillpoint/core';
import { writeFileDurably } from '@tillpoint/ledger/store';
import { syncEnrolResponseSchema } from '@tillpoint/protocol';
import { z } from 'zod';

/** The till's credential at head office, kept in the data folder with mode 0600. */
export const hubCredentialSchema = z.strictObject({
  url: z.url(),
  tillId: z.string().min(1),
  storeId: z.string().min(1),
  secret: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  hubPublicKeyPem: z.string().min(40),
});
export type HubCredential = z.infer<typeof hubCredentialSchema>;

export type HubCredentialErrorCode = 'enrol_failed' | 'credential_missing' | 'credential_invalid';
export class HubCredentialError extends TillpointError<HubCredentialErrorCode> {}

/** `tillpoint enrol-hub --code CODE`: trades the one-time code for this till's own secret. */
export async function enrolWithHub(input: {
  url: string;
  code: string;
  tillId: string;
  credentialFile: string;
  fetch?: typeof fetch;
}): Promise<HubCredential> {
  const doFetch = input.fetch ?? fetch;
  let response: Response;
  try {
    response = await doFetch(new URL('/v1/enrol', input.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: input.code, tillId: input.tillId }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (cause) {
    throw new HubCredentialError(
      'enrol_failed',
      `cannot reach head office at ${input.url}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  const body = (await response.json().catch(() => ({}))) as { message?: string };
  if (response.status !== 200) {
    throw new HubCredentialError(
      'enrol_failed',
      `head office refused the enrolment (${response.status}): ${body.message ?? 'no reason given'}`,
    );
  }
  const parsed = syncEnrolResponseSchema.safeParse(body);
  if (!parsed.success)
    throw new HubCredentialError('enrol_failed', 'head office sent an enrolment answer we cannot read');
  const credential: HubCredential = { url: input.url, ...parsed.data };
  mkdirSync(dirname(input.credentialFile), { recursive: true, mode: 0o750 });
  // Durable before the one-time code is spent for good: a cut must not leave an empty credential.
  writeFileDurably(input.credentialFile, `${JSON.stringify(credential, null, 2)}\n`, { mode: 0o600 });
  chmodSync(input.credentialFile, 0o600);
  return credential;
}

export function readHubCredential(file: string): HubCredential {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new HubCredentialError(
      'credential_missing',
      `no head-office credential at ${file}: run \`tillpoint enrol-hub --code CODE\` with the code from head office`,
      { cause },
    );
  }
  const parsed = hubCredentialSchema.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new HubCredentialError(
      'credential_invalid',
      `${file}: ${z.prettifyError(parsed.error)}; enrol the till again`,
    );
  return parsed.data;
}
