import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
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
# Relative paths are relative to this file. Keep this file private: it holds the API token.

storeId: ${o.storeId ?? 'store-001'}        # head office's id of this store
tillId: ${o.tillId ?? 'till-01'}           # this register, unique within the store
storeName: My Shop               # printed on the loyalty slip
language: en                     # en or ru: slip and companion page

program: ${o.program ?? 'program.json'}  # the loyalty program file from head office
dataDir: ${o.dataDir ?? './data'}         # till.sqlite (the ledger) and the print queue live here

api:
  port: ${o.port ?? 8787}                     # local API on 127.0.0.1 only
  token: ${token}   # the POS sends "Authorization: Bearer <token>"

# Which scanned codes are loyalty cards. check: ean13 | ean8 | upca | luhn | none
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
#   url: https://loyalty.example.com

log:
  level: info
`;
}

/** Writes the starter file with mode 0600; never overwrites an existing config. */
export function writeStarterConfig(path: string, options: StarterOptions = {}): void {
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
}
