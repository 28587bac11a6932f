import { TillpointError } from '@tillpoint/core';
import { syncNameSchema } from '@tillpoint/protocol';
import type { Command, Option } from 'commander';
import { z } from 'zod';
import { programInForce } from '../buyer/program-in-force';
import { couponAnswer, couponCodeSchema } from '../chain/coupon-answer';
import { offlinePerTillMax, rewardStockUnitsMax } from '../chain/reward-stock';
import type { HubStore } from '../hub-store';

type DbOptions = { db: string; schema?: string };

/** What `cli.ts` lends the reward commands (its options and its way of opening the hub). */
export interface RewardCliKit {
  dbOption(): Option;
  schemaOption(): Option;
  withStore<T>(o: DbOptions, run: (store: HubStore) => Promise<T>): Promise<T>;
}

function parsed<T>(schema: z.ZodType<T>, value: unknown, option: string): T {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new TillpointError(
      'invalid_option',
      `${option}: ${result.error.issues[0]?.message ?? 'not valid'}`,
    );
  return result.data;
}

const units = z.coerce.number().int().min(-rewardStockUnitsMax).max(rewardStockUnitsMax);
const stockSetSchema = z.string().regex(/^[^=]+=-?\d+$/, 'give <reward id>=<units left>, e.g. mug=40');

/**
 * `coupon check <code> [--redeem]`: a coupon a till issued, valid, used or unknown, with its reward,
 * masked card and sale (exit 1 unless valid). `rewards stock [--set id=n]`: the chain-wide stock
 * of limited rewards, what is left and what tills offline oversold.
 */
export function registerRewardCommands(program: Command, kit: RewardCliKit): void {
  registerCouponCommand(program, kit);
  registerStockCommand(program, kit);
}

function registerCouponCommand(program: Command, kit: RewardCliKit): void {
  const coupon = program.command('coupon').description('coupon codes the tills issued for coupon rewards');
  coupon
    .command('check')
    .description(
      'is a coupon good? valid, used or unknown, with its reward, masked card and sale; exit 1 unless valid',
    )
    .argument('<code>', 'the code printed on the slip (dashes optional)')
    .addOption(kit.dbOption())
    .addOption(kit.schemaOption())
    .option('--redeem', 'mark a valid coupon used (first one wins)')
    .option('--by <name>', 'who takes it (recorded with --redeem)', 'tillpoint-hub')
    .option('--json', 'print JSON for scripts')
    .action((raw: string, o: DbOptions & { redeem?: boolean; by: string; json?: boolean }) =>
      kit.withStore(o, async (store) => {
        const code = parsed(couponCodeSchema, raw, 'code');
        const by = parsed(z.string().trim().min(1).max(64), o.by, '--by');
        const now = Date.now();
        const timeZone = (await programInForce(store, now))?.program.timeZone ?? 'UTC';
        const taken =
          o.redeem === true
            ? await store.redeemCoupon(code, by, now)
            : { check: await store.checkCoupon(code), redeemedNow: false };
        const answer = couponAnswer(code, taken.check, { timeZone, redeemedNow: taken.redeemedNow });
        console.log(o.json === true ? JSON.stringify(answer) : answer.text);
        if (answer.status !== 'valid') process.exitCode = 1;
      }),
    );
}

/** `rewards stock [--set id=n]`: the chain-wide stock of limited rewards, left and oversold. */
function registerStockCommand(program: Command, kit: RewardCliKit): void {
  const rewards = program.command('rewards').description('the reward catalogue at head office');
  rewards
    .command('stock')
    .description('the chain-wide stock of limited rewards: units left and units tills offline oversold')
    .addOption(kit.dbOption())
    .addOption(kit.schemaOption())
    .option('--set <reward=units>', 'stock a reward with this many units from now (the oversold count stays)')
    .option(
      '--offline-per-till <n>',
      `with --set: uses one till may grant offline (0..${offlinePerTillMax}, default 1)`,
    )
    .option('--json', 'print JSON for scripts')
    .action((o: DbOptions & { set?: string; offlinePerTill?: string; json?: boolean }) =>
      kit.withStore(o, async (store) => {
        if (o.set !== undefined) {
          const [id = '', count = ''] = parsed(stockSetSchema, o.set, '--set').split('=');
          const rewardId = parsed(syncNameSchema, id, '--set (reward id)');
          const remaining = parsed(units, count, '--set (units)');
          const offline =
            o.offlinePerTill === undefined
              ? undefined
              : parsed(
                  z.coerce.number().int().min(0).max(offlinePerTillMax),
                  o.offlinePerTill,
                  '--offline-per-till',
                );
          const row = await store.setRewardStock({
            rewardId,
            remaining,
            ...(offline === undefined ? {} : { offlinePerTill: offline }),
            now: Date.now(),
          });
          if (o.json !== true)
            console.log(
              `${row.rewardId}: ${row.remaining} left, ${row.offlinePerTill} a till offline; every till hears of it on its next pull`,
            );
        }
        const rows = await store.rewardStock();
        if (o.json === true) return console.log(JSON.stringify(rows));
        if (o.set !== undefined) return;
        if (rows.length === 0)
          return console.log('no reward is stocked (tillpoint-hub rewards stock --set <reward>=<units>)');
        console.log(['reward'.padEnd(24), 'left', 'oversold', 'offline/till'].join('  '));
        for (const r of rows)
          console.log(
            [
              r.rewardId.padEnd(24),
              String(r.remaining).padStart(4),
              String(r.oversold).padStart(8),
              String(r.offlinePerTill).padStart(12),
            ].join('  '),
          );
        const oversold = rows.filter((r) => r.oversold > 0);
        if (oversold.length > 0)
          console.log(
            `oversold offline: ${oversold.map((r) => `${r.rewardId} ${r.oversold}`).join(', ')} (the sales stand; their cards are flagged reward_out_of_stock)`,
          );
      }),
    );
}
