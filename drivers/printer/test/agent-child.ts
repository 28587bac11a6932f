/**
 * A stand-in agent for the crash test: opens the queue in the SQLite file, enqueues the golden
 * job, starts the worker against the virtual printer and reports on stdout. The test kills it
 * with SIGKILL. Usage: tsx agent-child.ts <db-file> <port>
 */
import Database from 'better-sqlite3';
import { PrintQueue } from '../src/print-queue';
import { TcpPrinter } from '../src/tcp-printer';
import { goldenJob } from './golden-job';

const [dbFile, port] = process.argv.slice(2);
if (dbFile === undefined || port === undefined) throw new Error('usage: agent-child.ts <db-file> <port>');
const db = new Database(dbFile);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
const queue = new PrintQueue(db, new TcpPrinter({ host: '127.0.0.1', port: Number(port) }), {
  retryBaseMs: 20,
  retryMaxMs: 100,
});
queue.on('printer_state', (event) => console.log(`state ${event.code}`));
const outcome = queue.enqueue({ jobId: 'receipt-R-0042-000173', bytes: goldenJob() });
console.log(`enqueued ${outcome.ok}`);
queue.start();
