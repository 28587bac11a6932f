import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import sampleProgram from '../../../../fixtures/programs/sample-grocery.json' with { type: 'json' };
import { ConfigError } from './config-error';

export interface StarterOptions {
  storeId?: string;
  tillId?: string;
  program?: string;
  dataDir?: string;
  port?: number;
  token?: string;
  /** Extra YAML for the scanners: section (the demo puts its virtual scanner here). */
  scannersYaml?: string;
  /** Extra YAML for the printer: section. */
  printerYaml?: string;
}

/** A commented starter config: every section a store IT person edits, with the defaults shown. */
export function renderStarterConfig(o: StarterOptions = {}): string {
  const token = o.token ?? randomBytes(24).toString('base64url');
  return `# Tillpoint agent config. Every field is described in the README ("Configure").
# Relative paths are relative to this file. Keep this file private: it holds the API token
# (for the service: owner root, group tillpoint, mode 0640; a person's own copy: mode 0600).
# Check it with: tillpoint doctor --config <this file>

storeId: ${o.storeId ?? 'store-001'}        # head office's id of this store
tillId: ${o.tillId ?? 'till-01'}           # this register, unique within the store
storeName: My Shop               # printed on the loyalty slip
language: en                     # en or ru: slip and companion page

program: ${o.program ?? 'program.json'}  # the loyalty program file from head office (init wrote a sample)
dataDir: ${o.dataDir ?? './data'}         # till.sqlite (the ledger) and the print queue live here

api:
  port: ${o.port ?? 8787}                     # local API on 127.0.0.1 only
  token: ${token}   # the POS sends "Authorization: Bearer <token>"

# Which scanned codes are loyalty cards. check: ean13 | ean8 | upca | luhn | none.
# length counts the whole code; ean13 is 13 digits, ean8 8, upca 12; a digit scheme needs a digit prefix.
cardRanges:
  - name: plastic cards
    prefix: "2000"
    length: 13
    check: ean13

# Scanners. kind: serial | hid-pos | hid-keyboard. Run "tillpoint devices" to find yours.
scanners:
${
  o.scannersYaml ??
  `  # - kind: serial
  #   byId: usb-Honeywell_Imaging___Mobility_1900-if00   # a name under /dev/serial/by-id
  #   suffix: any                                        # cr | lf | crlf | tab | any | none
  # - kind: hid-pos
  #   vendorId: 0x0c2e                                   # Honeywell
  []`
}

# The loyalty printer. transport: tcp | serial | file. profile: a name from "tillpoint printers".
${
  o.printerYaml ??
  `# printer:
#   transport: tcp
#   host: 192.168.1.50
#   port: 9100
#   profile: TM-T20II
#   columns: 48`
}

receipt:
  printAfterSale: true

holds:
  ttlSecondsDefault: 300         # a reservation the POS forgets is released after this

page:
  enabled: true                  # the cashier page at http://127.0.0.1:<port>/
  # locale: ru-RU                # how amounts are written; default en-GB or ru-RU after language

# headOffice:
#   url: https://loyalty.example.com   # https only; plain http:// is refused unless
#   allowPlainHttp: false              # ... this is set to true (a lab without TLS)

log:
  level: info
`;
}

/**
 * Writes the starter file with mode 0600 (never over an existing config) and, when the
 * program file it names does not exist yet, a sample program beside it, so `doctor` and
 * `start` work at once. Returns the program file when it wrote one.
 */
export function writeStarterConfig(path: string, options: StarterOptions = {}): { programWritten?: string } {
  if (existsSync(path)) {
    throw new ConfigError(
      'config_invalid',
      `${path} already exists; not overwriting it. Edit it, or pass another --config path.`,
      {
        context: { file: path },
      },
    );
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, renderStarterConfig(options), { mode: 0o600, flag: 'wx' });
  const program = options.program ?? 'program.json';
  const programFile = isAbsolute(program) ? program : resolve(dirname(path), program);
  if (existsSync(programFile)) return {};
  mkdirSync(dirname(programFile), { recursive: true });
  writeFileSync(programFile, `${JSON.stringify(sampleProgram, null, 2)}\n`, { mode: 0o644, flag: 'wx' });
  return { programWritten: programFile };
}
